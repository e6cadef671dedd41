/**
 * Contract terms through the API (reference §9 "The next term", §15): a
 * customer has one journey per term of a playbook, a term is its customer,
 * playbook and contract start, and terms never overlap. `POST /customers`
 * answers 201 for a new term, 200 for the same term again, 409 for an
 * overlapping one (nothing changed); the CSV import refuses an overlapping
 * row with its line; the journey routes read the current term, or the one
 * `?term=` names. Real HTTP on loopback, real Postgres; the recording gateway
 * stands in for Temporal (journeys-on-temporal.test.ts runs the real one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, enrolment } from './support/playbook.ts';
import { recordingGateway, type RecordingGateway } from './support/recording-gateway.ts';
import { rowCounts, startApi, type RunningApi } from './support/server.ts';

let db: TestDatabase;
let api: RunningApi;
let gateway: RecordingGateway;
/** "Now" for the API: inside the second term below. */
const NOW = Date.parse('2027-03-01T00:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool);
  gateway = recordingGateway();
  api = await startApi(db.pool, gateway, { clock: () => NOW });
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const term = (id: string, start: string, end: string) => enrolment(id, { contract: { start, end } });
const termsOf = async (id: string) => (await db.pool.query<{ workflow_id: string; contract_start: Date }>(
  'SELECT workflow_id, contract_start FROM journeys WHERE customer_id = $1 ORDER BY contract_start', [id])).rows
  .map((r) => [r.workflow_id, r.contract_start.toISOString().slice(0, 10)]);

describe('POST /customers and terms', () => {
  it('enrols the next term (201, its own journey), answers 200 for a term again, 409 for an overlap', async () => {
    const first = await api.call('/customers', { body: term('ivy', '2026-01-31', '2027-01-31') });
    expect(first.status, first.text).toBe(201);
    expect(first.json.workflow_id).toBe('journey:onboarding:ivy');

    const second = await api.call('/customers', { body: term('ivy', '2027-01-31', '2028-01-31') });
    expect(second.status, second.text).toBe(201);
    expect(second.json).toMatchObject({
      workflow_id: 'journey:onboarding:ivy:term:2027-01-31T00:00:00.000Z',
      contract: { start: '2027-01-31T00:00:00.000Z', end: '2028-01-31T00:00:00.000Z' },
    });
    expect(gateway.enrolled).toContain('journey:onboarding:ivy:term:2027-01-31T00:00:00.000Z');

    // The same term again, even with another end: the term is its start.
    const again = await api.call('/customers', { body: term('ivy', '2027-01-31', '2028-01-31') });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(second.json);

    const before = await rowCounts(db.pool);
    const enrolledBefore = gateway.enrolled.length;
    const overlapping = await api.call('/customers', { body: term('ivy', '2027-06-01', '2028-06-01') });
    expect(overlapping.status).toBe(409);
    expect(overlapping.json.errors).toEqual([
      "customer 'ivy' has a term of playbook 'onboarding' from 2027-01-31T00:00:00.000Z to 2028-01-31T00:00:00.000Z, "
      + 'which overlaps the contract 2027-06-01T00:00:00.000Z to 2028-06-01T00:00:00.000Z: '
      + 'a new term must end by 2027-01-31T00:00:00.000Z or start at or after 2028-01-31T00:00:00.000Z',
    ]);
    // One inside the first term, and one around both: refused too.
    expect((await api.call('/customers', { body: term('ivy', '2026-03-01', '2026-09-01') })).status).toBe(409);
    expect((await api.call('/customers', { body: term('ivy', '2025-06-01', '2029-01-01') })).status).toBe(409);
    expect(await rowCounts(db.pool)).toEqual(before);
    expect(gateway.enrolled.length).toBe(enrolledBefore);

    // A term that ends where the first one starts fits before it.
    expect((await api.call('/customers', { body: term('ivy', '2025-01-31', '2026-01-31') })).status).toBe(201);
    expect(await termsOf('ivy')).toEqual([
      ['journey:onboarding:ivy:term:2025-01-31T00:00:00.000Z', '2025-01-31'],
      ['journey:onboarding:ivy', '2026-01-31'],
      ['journey:onboarding:ivy:term:2027-01-31T00:00:00.000Z', '2027-01-31'],
    ]);
  });

  it('records one term of many concurrent overlapping enrolments', async () => {
    const starts = ['2026-02-01', '2026-03-01', '2026-04-01', '2026-05-01', '2026-06-01', '2026-07-01'];
    const answers = await Promise.all(starts.map((start) => api.call('/customers', { body: term('oak', start, `${Number(start.slice(0, 4)) + 1}${start.slice(4)}`) })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await termsOf('oak')).toHaveLength(1);
  });
});

describe('the journey routes and terms', () => {
  it('read the term current now, or the one ?term= names', async () => {
    expect((await api.call('/customers/ivy/journeys/onboarding')).json.until).toBe(new Date(NOW).toISOString());
    // The recording gateway answers with the journey it was asked for: which one shows in its report.
    const asked: string[] = [];
    const report = gateway.report;
    gateway.report = async (journeyId, until) => { asked.push(journeyId); return report(journeyId, until); };
    try {
      await api.call('/customers/ivy/journeys/onboarding');
      await api.call('/customers/ivy/journeys/onboarding?term=2026-01-31');
      await api.call('/customers/ivy/journeys/onboarding?term=2025-01-31T00:00:00Z');
    } finally {
      gateway.report = report;
    }
    expect(asked).toEqual([
      'journey:onboarding:ivy:term:2027-01-31T00:00:00.000Z',
      'journey:onboarding:ivy',
      'journey:onboarding:ivy:term:2025-01-31T00:00:00.000Z',
    ]);
  });

  it('404 for a term that is not enrolled (or not in the calendar), 400 for a term that is not an instant', async () => {
    const missing = await api.call('/customers/ivy/journeys/onboarding?term=2030-01-01');
    expect(missing.status).toBe(404);
    expect(missing.json.errors).toEqual(["customer 'ivy' is not enrolled in playbook 'onboarding' for a term starting 2030-01-01"]);
    // A day the calendar does not have starts no term.
    expect((await api.call('/customers/ivy/journeys/onboarding?term=2027-11-31')).status).toBe(404);
    const bad = await api.call('/customers/ivy/journeys/onboarding?term=soon');
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0]).toMatch(/^term: expected an ISO-8601 instant/);
  });
});

describe('POST /customers/import and terms', () => {
  const HEADER = 'id,contract_start,contract_end,name,tier,arr,csm,signed_on';
  const row = (id: string, start: string, end: string) => `${id},${start},${end},Clinic ${id},growth,12000,ada@example.com,2026-01-10`;
  const importCsv = (lines: string[]) => api.call('/customers/import?playbook=onboarding', { raw: [HEADER, ...lines].join('\n'), headers: { 'content-type': 'text/csv' } });

  it('refuses a row overlapping an enrolled term, with its line, and enrols nobody', async () => {
    const before = await rowCounts(db.pool);
    const response = await importCsv([row('elm', '2026-01-31', '2027-01-31'), row('ivy', '2027-06-01', '2028-06-01')]);
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual([{ line: 3, id: 'ivy', error: expect.stringMatching(/^customer 'ivy' has a term of playbook 'onboarding' from 2027-01-31/) }]);
    expect(await rowCounts(db.pool)).toEqual(before);
  });

  it('enrols next terms and counts a term already enrolled as such', async () => {
    expect((await api.call('/customers', { body: term('ash', '2026-02-01', '2027-02-01') })).status).toBe(201);
    const response = await importCsv([row('elm', '2026-01-31', '2027-01-31'), row('ivy', '2028-01-31', '2029-01-31'), row('ash', '2026-02-01', '2027-02-01')]);
    expect(response.status, response.text).toBe(200);
    expect(response.json).toEqual({ enrolled: 2, already_enrolled: 1 });
    expect((await termsOf('ivy')).map(([, start]) => start)).toEqual(['2025-01-31', '2026-01-31', '2027-01-31', '2028-01-31']);
  });
});
