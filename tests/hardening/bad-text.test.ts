/**
 * Text Postgres cannot store (NUL, lone surrogates) and JSON nested deeper
 * than anything walks safely, in every place a client can put them (issue
 * 15): a 400 naming the problem, never a 500; a refused event kept in
 * `rejected_events` with its reason in a storable form, and boundedly.
 * Real HTTP on loopback, real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../client/api/json-body.ts';
import { textProblem } from '../../client/api/unicode-text.ts';
import { MAX_REJECTED_KEPT, MAX_REJECTED_PAYLOAD } from '../../client/api/rejections.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, enrolment } from '../api/support/playbook.ts';
import { recordingGateway } from '../api/support/recording-gateway.ts';
import { rowCounts, startApi, type RunningApi } from '../api/support/server.ts';

let db: TestDatabase;
let api: RunningApi;

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool);
  api = await startApi(db.pool, recordingGateway());
  expect((await api.call('/customers', { body: enrolment('acme') })).status).toBe(201);
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const NUL = '\u0000';
const LONE = '\uD800';
const event = (overrides: Record<string, unknown> = {}) => ({
  id: `e-${Math.random().toString(36).slice(2)}`, customer: 'acme', type: 'ticket_opened', at: '2026-02-03T10:00:00Z',
  data: { category: 'billing', severity: 2, urgent: false }, ...overrides,
});
/** Every string (keys included) inside a JSON value. */
const stringsOf = (value: unknown): string[] => typeof value === 'string' ? [value]
  : Array.isArray(value) ? value.flatMap(stringsOf)
    : typeof value === 'object' && value !== null ? Object.entries(value).flatMap(([k, v]) => [k, ...stringsOf(v)]) : [];
const errorsText = (json: any) => JSON.stringify(json.errors);

/** Newest rejected_events rows, as stored. */
async function rejectedSince(count: number) {
  const { rows } = await db.pool.query<{ event_id: string | null; customer_id: string | null; payload: unknown; reason: string }>(
    'SELECT event_id, customer_id, payload, reason FROM rejected_events ORDER BY id DESC LIMIT $1', [count]);
  return rows;
}

describe('POST /events', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['NUL in id', { id: `ev${NUL}1` }, /id: contains a NUL character/],
    ['NUL in customer', { customer: `ac${NUL}me` }, /customer: contains a NUL character/],
    ['NUL in type', { type: `ticket${NUL}` }, /type: contains a NUL character/],
    ['NUL in a data value', { data: { category: `bill${NUL}ing`, severity: 2, urgent: false } }, /data\.category: contains a NUL character/],
    ['NUL in a data key', { data: { [`cat${NUL}`]: 'x' } }, /contains a NUL character/],
    ['a lone surrogate in id', { id: `ev${LONE}` }, /id: contains a lone surrogate \(U\+D800\)/],
    ['a lone surrogate in a data value', { data: { category: `\uDC00x`, severity: 2, urgent: false } }, /data\.category: contains a lone surrogate \(U\+DC00\)/],
    ['a lone surrogate in customer', { customer: `acme${LONE}` }, /customer: contains a lone surrogate/],
  ];
  it.each(cases)('%s: 400 naming it, and the event kept in rejected_events', async (_name, overrides, message) => {
    const before = await rowCounts(db.pool);
    const response = await api.call('/events', { body: event(overrides) });
    expect(response.status, response.text).toBe(400);
    expect(errorsText(response.json)).toMatch(message);
    const after = await rowCounts(db.pool);
    expect(after.customer_events).toBe(before.customer_events);
    expect(after.rejected_events!).toBe(before.rejected_events! + 1);
    const [kept] = await rejectedSince(1);
    expect(kept!.reason).toMatch(message);
    // Stored as valid text: what Postgres could not take is written out.
    const texts = stringsOf(kept);
    expect(texts.filter((t) => textProblem(t) !== null)).toEqual([]);
    expect(texts.some((t) => /\\u(0000|D800|DC00)/.test(t))).toBe(true);
  });

  it('a batch with one bad event refuses all of it and keeps the bad one', async () => {
    const before = await rowCounts(db.pool);
    const response = await api.call('/events', { body: { events: [event(), event({ id: `x${NUL}` })] } });
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual([{ index: 1, id: `x${NUL}`, error: expect.stringMatching(/id: contains a NUL character/) }]);
    const after = await rowCounts(db.pool);
    expect(after.customer_events).toBe(before.customer_events);
    expect(after.rejected_events!).toBe(before.rejected_events! + 1);
  });

  it(`keeps at most ${MAX_REJECTED_KEPT} rejected events per request, each payload at most ${MAX_REJECTED_PAYLOAD} characters, and still names every one`, async () => {
    const before = await rowCounts(db.pool);
    const big = 'x'.repeat(900);
    const events = Array.from({ length: 1000 }, (_, i) => event({ id: `bad-${i}`, type: 'no_such_type', data: { a: big } }));
    const response = await api.call('/events', { body: { events } });
    expect(response.status).toBe(400);
    expect(response.json.errors).toHaveLength(1000);
    const after = await rowCounts(db.pool);
    expect(after.rejected_events! - before.rejected_events!).toBe(MAX_REJECTED_KEPT);
    const { rows } = await db.pool.query<{ n: number }>('SELECT max(length(payload::text))::int AS n FROM rejected_events');
    expect(rows[0]!.n).toBeLessThanOrEqual(MAX_REJECTED_PAYLOAD + 100);
  });

  it('keeps a long payload as its start, marked truncated', async () => {
    const response = await api.call('/events', { body: event({ type: 'no_such_type', data: { a: 'y'.repeat(5000) } }) });
    expect(response.status).toBe(400);
    const [kept] = await rejectedSince(1);
    expect(kept!.payload).toMatchObject({ truncated: expect.any(Number), start: expect.stringMatching(/^\{/) });
  });
});

describe('POST /customers', () => {
  it.each([
    ['NUL in an attribute', { customer: { ...enrolment('n1').customer, name: `N${NUL}` } }, /customer\.name: contains a NUL character/],
    ['a lone surrogate in the id', { customer: { ...enrolment('n2').customer, id: `n2${LONE}` } }, /customer\.id: contains a lone surrogate/],
    ['NUL in an attribute name', { customer: { ...enrolment('n3').customer, [`x${NUL}`]: 1 } }, /contains a NUL character/],
    ['NUL in the playbook', { playbook: `onboarding${NUL}` }, /playbook: contains a NUL character/],
    ['NUL in a history event', { events: [{ id: `h${NUL}`, type: 'activated', at: '2026-02-01' }] }, /contains a NUL character/],
  ])('%s: 400 naming it, nothing recorded', async (_name, overrides, message) => {
    const before = await rowCounts(db.pool);
    const response = await api.call('/customers', { body: { ...enrolment(`c-${Math.random()}`), ...overrides } });
    expect(response.status, response.text).toBe(400);
    expect(errorsText(response.json)).toMatch(message);
    expect(await rowCounts(db.pool)).toEqual(before);
  });

  it('a CSV import with NUL in a cell: 400 naming the line', async () => {
    const response = await api.call('/customers/import?playbook=onboarding', {
      raw: `id,contract_start,contract_end,name,tier,arr,csm,signed_on\r\nz${NUL},2026-01-31,2027-01-31,Z,growth,1,a@b,2026-01-01\r\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(response.status, response.text).toBe(400);
    expect(errorsText(response.json)).toMatch(/NUL character/);
  });

  it('a manual completion whose `by` holds NUL: 400', async () => {
    const response = await api.call('/customers/acme/journeys/onboarding/milestones/activation/complete', { body: { by: `a${NUL}`, note: 'x' } });
    expect(response.status, response.text).toBe(400);
    expect(errorsText(response.json)).toMatch(/by: contains a NUL character/);
  });
});

describe('task routes', () => {
  it.each([
    ['close', { by: `ada${NUL}`, note: 'x' }], ['close', { by: 'ada', note: `n${NUL}` }], ['assign', { to: `bob${NUL}` }],
  ] as const)('POST /tasks/:task/%s with NUL in the body: 400, nothing changed', async (action, body) => {
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO tasks (idem_key, task_id, journey_id, customer_id, playbook, source, title, assignee_role, priority, due_at, fired_at)
       VALUES ($1, $1, 'journey:onboarding:acme', 'acme', 'onboarding', 'step', 'Call', 'csm', 'high', now(), now()) RETURNING id::int`,
      [`nul-${Math.random()}`]);
    const before = await db.pool.query('SELECT * FROM tasks WHERE id = $1', [rows[0]!.id]);
    const response = await api.call(`/tasks/${rows[0]!.id}/${action}`, { body });
    expect(response.status, response.text).toBe(400);
    expect(errorsText(response.json)).toMatch(/NUL/);
    expect((await db.pool.query('SELECT * FROM tasks WHERE id = $1', [rows[0]!.id])).rows).toEqual(before.rows);
  });
});

describe('paths and query filters', () => {
  it.each([
    '/journeys?customer=%00', '/journeys?playbook=a%00b', '/tasks?customer=%00', '/outbox?playbook=%00', '/ledger?customer=%00',
    '/milestones?csm=%00', '/figures?csm=%00', '/dashboard?csm=%00', '/dashboard/portfolio?playbook=%00', '/dashboard/export/renewals.csv?csm=%00',
    '/customers/ac%00me/journeys/onboarding', '/customers/acme/journeys/on%00boarding', '/dashboard/customers/%00',
    '/dashboard/customers/%00/export/tasks.csv',
  ])('GET %s: 400 naming the NUL', async (path) => {
    const response = await api.call(path);
    expect(response.status, response.text).toBe(400);
    expect(errorsText(response.json)).toMatch(/contains a NUL character/);
  });

  it.each(['/customers/%ED%A0%80/journeys/onboarding', '/dashboard/customers/%ED%A0%80', '/customers/%FF/journeys/onboarding'])(
    'GET %s (not UTF-8; a lone surrogate encoded): 400 in the errors shape', async (path) => {
      const response = await api.call(path);
      expect(response.status, response.text).toBe(400);
      expect(response.json.errors[0].error).toMatch(/malformed URL/);
    });

  it.each(['/journeys?customer=%ED%A0%80', '/tasks?playbook=%ED%B0%80x'])('GET %s: never a 500', async (path) => {
    const response = await api.call(path);
    expect(response.status).toBeLessThan(500);
  });

  it('POST with NUL in the path: 400', async () => {
    const response = await api.call('/customers/a%00/journeys/onboarding/milestones/activation/complete', { body: { by: 'ada', note: 'x' } });
    expect(response.status).toBe(400);
  });
});

describe('page parameters', () => {
  // `?offset=` read as 0 was accepted (Schemathesis ST201): only decimal digits are an integer.
  it.each(['/tasks?offset=', '/milestones?offset=', '/journeys?limit=', '/ledger?offset=%20', '/outbox?limit=0x10', '/tasks?limit=1e2', '/journeys?offset=-1', '/tasks?limit=1001'])(
    'GET %s: 400 naming the parameter', async (path) => {
      const response = await api.call(path);
      expect(response.status, response.text).toBe(400);
      expect(errorsText(response.json)).toMatch(/limit|offset/);
    });

  it('reads decimal digits as the page asked for', async () => {
    const all = await api.call('/journeys?limit=1000');
    expect(all.status).toBe(200);
    const page = await api.call('/journeys?limit=1&offset=0');
    expect(page.status, page.text).toBe(200);
    expect(page.json.journeys).toEqual(all.json.journeys.slice(0, 1));
    expect((await api.call('/journeys?offset=5')).json.journeys).toEqual([]);
    // The largest offset the document allows (2^53 - 1) is a page too, an empty one.
    expect((await api.call('/journeys?offset=9007199254740991')).json).toEqual({ journeys: [] });
    expect((await api.call('/journeys?offset=9007199254740992')).status).toBe(400);
  });
});

describe('deep JSON', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  it.each(['/events', '/customers', '/customers/acme/journeys/onboarding/milestones/activation/complete'])(
    'POST %s with JSON nested 6,000 levels (under 1 MiB): 400 naming the nesting', async (path) => {
      const before = await rowCounts(db.pool);
      for (const raw of [nested(6000), `{"events": [${nested(6000)}]}`, `{"id": "x", "customer": "acme", "type": "t", "at": "2026-01-01", "data": {"a": ${nested(6000)}}}`]) {
        const response = await api.call(path, { raw });
        expect(response.status, response.text).toBe(400);
        expect(response.json.errors[0].error).toMatch(new RegExp(`nested .*deeper than ${MAX_JSON_DEPTH} levels`));
      }
      expect(await rowCounts(db.pool)).toEqual(before);
    });

  it('brackets inside strings do not count as nesting', async () => {
    const response = await api.call('/events', { body: event({ data: { category: '['.repeat(6000), severity: 2, urgent: false } }) });
    expect(response.status, response.text).toBe(202);
  });
});
