/**
 * The API end to end on real durable journeys: enrol through POST /customers,
 * push events through POST /events, read reports, tasks and the ledger the
 * activities wrote, and the managers' figures — on a Temporal dev server with
 * a real worker and real Postgres, over loopback HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { startApi, type RunningApi } from './support/server.ts';
import { CLINIC_PLAYBOOK, DAY, clinic, enrolClinic, iso } from './support/clinics.ts';
import { deployPlaybookFile, startTemporalJourneys, type TemporalJourneys } from './support/temporal-journeys.ts';
import { insertJourney, upsertCustomer } from '../../store/journeys.ts';
import { latestPlaybookVersion } from '../../store/playbooks.ts';
import { journeyWorkflowId } from '../../client/temporal/journey-id.ts';

let db: TestDatabase;
let temporal: TemporalJourneys;
let api: RunningApi;
const now = Date.now();
const PLAYBOOK = CLINIC_PLAYBOOK;
const enrol = (id: string, tier: string, startOffsetDays: number, lengthDays = 365, csm = 'ada@example.com', arr = 10_000) =>
  enrolClinic(api, now, id, tier, startOffsetDays, { lengthDays, csm, arr });
async function report(id: string) {
  const response = await api.call(`/customers/${id}/journeys/${PLAYBOOK}`);
  expect(response.status).toBe(200);
  return response.json as { outcome: string; milestones: Array<{ id: string; state: string; completed_at: string | null }> };
}
const stateOf = async (id: string, milestone: string) => (await report(id)).milestones.find((m) => m.id === milestone)?.state;

beforeAll(async () => {
  db = await createTestDatabase();
  await deployPlaybookFile(db.pool, `playbooks/${PLAYBOOK}.yaml`);
  temporal = await startTemporalJourneys(db.pool);
  api = await startApi(db.pool, temporal.gateway);
  // Five clinics at different points of their first year, each enrolled at
  // its contract start (so the steps already due have fired).
  expect((await enrol('early', 'growth', -10)).status).toBe(201);            // activation due in ~20 days
  expect((await enrol('slow', 'growth', -45)).status).toBe(201);             // activation overdue for ~15 days
  expect((await enrol('silent', 'vip', -45, 365, 'bo@example.com')).status).toBe(201);
  expect((await enrol('steady', 'stable', -20, 365, 'bo@example.com')).status).toBe(201); // activation skipped
  expect((await enrol('renewing', 'growth', -300, 365, 'ada@example.com', 50_000)).status).toBe(201); // renewal window open
}, 180_000);

afterAll(async () => {
  await api?.close();
  await temporal?.stop();
  await db?.drop();
});

describe('journeys through the API', () => {
  it('refuses a customer outside the playbook\'s applies_to and starts no journey', async () => {
    const response = await api.call('/customers', { body: { playbook: PLAYBOOK, customer: { ...clinic('dentist', 'growth', 1, 'a'), segment: 'dental' }, contract: { start: iso(now), end: iso(now + 365 * DAY) } } });
    expect(response.status).toBe(400);
    expect(response.json.errors[0]).toMatch(/applies_to/);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM journeys WHERE customer_id = 'dentist'`);
    expect(rows[0].n).toBe(0);
  });

  it('shows milestone states that follow from the contract dates before any event', async () => {
    await expect.poll(() => stateOf('slow', 'activation'), { timeout: 20_000 }).toBe('overdue');
    expect(await stateOf('early', 'activation')).toBe('open');
    expect(await stateOf('steady', 'activation')).toBe('skipped');
    expect(await stateOf('renewing', 'renewal')).toBe('open');
  });

  it('completes milestones from events pushed through POST /events: on time and late', async () => {
    const response = await api.call('/events', { body: { events: [
      { id: 'ev-early-activated', customer: 'early', type: 'activated', at: iso(now) },
      { id: 'ev-slow-activated', customer: 'slow', type: 'activated', at: iso(now) },
      { id: 'ev-renewing-activated', customer: 'renewing', type: 'activated', at: iso(now) },
      { id: 'ev-renewing-signed', customer: 'renewing', type: 'renewal_signed', at: iso(now), data: { amount: 52_000 } },
    ] } });
    expect(response.status).toBe(202);
    expect(response.json).toEqual({ accepted: 4, duplicates: 0, ignored_fields: [] });
    await expect.poll(() => stateOf('early', 'activation'), { timeout: 20_000 }).toBe('done');
    await expect.poll(() => stateOf('slow', 'activation'), { timeout: 20_000 }).toBe('late');
    await expect.poll(() => stateOf('renewing', 'renewal'), { timeout: 20_000 }).toBe('done');
    await api.settle();
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM customer_events WHERE signalled_at IS NULL`);
    expect(rows[0].n).toBe(0);
  });

  it('lets the activities record tasks and ledger entries, served by the read endpoints', async () => {
    // 'silent' passed its activation due ~15 days ago: the step at `due` opened a task.
    await expect.poll(async () => (await api.call('/tasks?customer=silent')).json.tasks.map((t: { title: string }) => t.title), { timeout: 20_000 })
      .toContain('Get Clinic silent activated');
    await expect.poll(async () => (await api.call('/ledger?customer=slow')).json.ledger
      .filter((l: { kind: string; subject: string }) => l.kind === 'milestone' && l.subject === 'activation')
      .map((l: { to_state: string }) => l.to_state), { timeout: 20_000 }).toEqual(expect.arrayContaining(['overdue', 'late']));
    const journeys = (await api.call(`/journeys?playbook=${PLAYBOOK}`)).json.journeys;
    expect(journeys.map((j: { customer: string }) => j.customer).sort()).toEqual(['early', 'renewing', 'silent', 'slow', 'steady']);
  });

  it('computes the managers\' figures from the read model the journeys wrote themselves', async () => {
    // No refresh, no query of a workflow: each journey stored its progress with its ledger rows.
    await expect.poll(async () => (await api.call('/figures')).json.activation.activated, { timeout: 20_000 }).toBe(3);
    const figures = (await api.call('/figures')).json;
    expect(figures.unreported).toBe(0);
    // Activation: four clinics where it applies (steady is stable: skipped);
    // early (on time), slow and renewing (late) are activated, silent is not.
    expect(figures.activation).toMatchObject({ eligible: 4, activated: 3, onTime: 1, rate: 0.75, onTimeRate: 0.25 });
    const activation = figures.milestones.find((m: { milestone: string }) => m.milestone === 'activation');
    expect(activation).toMatchObject({ done: 1, late: 2, overdue: 1, skipped: 1, due: 4, onTimeRate: 0.25, overdueRate: 0.25 });
    // 'renewing' ends in 65 days: the one renewal due within 90 days; no term has closed yet.
    expect(figures.renewals.dueSoon.map((r: { customerId: string }) => r.customerId)).toEqual(['renewing']);
    expect(figures.renewals).toMatchObject({ closed: 0, rateByCount: null });
    const bo = figures.byCsm.filter((r: { csm: string; milestone: string }) => r.csm === 'bo@example.com' && r.milestone === 'activation')[0];
    expect(bo).toMatchObject({ overdue: 1, skipped: 1 });
  });
});

describe('the dashboard over real journeys', () => {
  it('renders the overview with the figures and a chart', async () => {
    const response = await api.call('/dashboard');
    expect(response.status).toBe(200);
    expect(response.text).toContain('<svg id="milestone-chart"');
    expect(response.text).toMatch(/id="card-activation"><div class="value">75\.0%/);
    expect(response.text).toContain('href="/dashboard/customers/renewing"');
  });

  it('renders the customer page with the engine\'s explanation of each state', async () => {
    const response = await api.call('/dashboard/customers/slow');
    expect(response.status).toBe(200);
    expect(response.text).toContain('<svg id="timeline-clinic-first-year"');
    // The explanation quotes the milestone's condition as the engine evaluated it.
    expect(response.text).toContain('happened(activated)');
    expect(response.text).toMatch(/late/);
  });

  it('exports every overview table as CSV matching the figures', async () => {
    const figures = (await api.call('/figures')).json;
    for (const table of ['milestones', 'by-csm', 'by-cohort', 'renewals', 'risks', 'portfolio', 'tasks', 'outbox']) {
      const response = await api.call(`/dashboard/export/${table}.csv`);
      expect(response.status, table).toBe(200);
      expect(response.text.split('\r\n')[0]!.length, table).toBeGreaterThan(0);
    }
    const milestones = (await api.call('/dashboard/export/milestones.csv')).text.trim().split('\r\n');
    expect(milestones.length - 1).toBe(figures.milestones.length);
    const portfolio = (await api.call('/dashboard/export/portfolio.csv')).text.trim().split('\r\n');
    expect(portfolio.length - 1).toBe(5);
    expect(portfolio.find((line) => line.startsWith('steady,'))).toContain('skipped');
    const customerCsv = await api.call('/dashboard/customers/silent/export/tasks.csv');
    expect(customerCsv.text).toContain('Get Clinic silent activated');
  });

  // Last: it enrols one more customer, which the figures above do not count.
  it('completes a milestone by hand through POST .../milestones/:milestone/complete, recorded in the ledger', async () => {
    expect((await enrol('byhand', 'growth', -10)).status).toBe(201);
    await expect.poll(() => stateOf('byhand', 'activation'), { timeout: 20_000 }).toBe('open');
    const path = (milestone: string) => `/customers/byhand/journeys/${PLAYBOOK}/milestones/${milestone}/complete`;
    const refused = await api.call(path('renewal'), { body: { note: 'signed on paper', by: 'ada@example.com' } });
    // Refused by the workflow's validator, with its reason.
    expect(refused.status).toBe(400);
    expect(refused.json.errors).toEqual([expect.stringMatching(/milestone 'renewal' is pending/)]);
    expect(await stateOf('byhand', 'renewal')).toBe('pending');
    const before = Date.now();
    const done = await api.call(path('activation'), { body: { note: 'activated on site, no event for it', by: 'ada@example.com' } });
    expect(done.status).toBe(200);
    expect(done.json.milestones.activation).toBe('done');
    const activation = (await report('byhand')).milestones.find((m) => m.id === 'activation')!;
    expect(activation.state).toBe('done');
    // Domain time is real time here: completed when the request was handled.
    expect(Date.parse(activation.completed_at!)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(activation.completed_at!)).toBeLessThanOrEqual(Date.now());
    await expect.poll(async () => (await api.call('/ledger?customer=byhand')).json.ledger
      .filter((l: { kind: string }) => l.kind === 'manual')
      .map((l: { subject: string; to_state: string; detail: unknown }) => [l.subject, l.to_state, l.detail]), { timeout: 20_000 })
      .toEqual([['activation', 'done', { note: 'activated on site, no event for it', by: 'ada@example.com' }]]);
  });
});

describe('an enrolment cut short', () => {
  it('starts the recorded journey by signal-with-start when an event arrives for it, the event with it', async () => {
    // Recorded as POST /customers records it, then stopped before the journey was started.
    const start = now - 5 * DAY;
    const { id, ...attrs } = clinic('cut-short', 'growth', 10_000, 'ada@example.com');
    await upsertCustomer(db.pool, { id, attrs });
    const version = await latestPlaybookVersion(db.pool, PLAYBOOK);
    await insertJourney(db.pool, {
      workflowId: journeyWorkflowId(PLAYBOOK, id), customerId: id, playbook: PLAYBOOK, playbookHash: version!.sourceHash,
      contractStart: new Date(start), contractEnd: new Date(start + 365 * DAY), enrolledAt: new Date(start),
    });
    expect((await api.call(`/customers/${id}/journeys/${PLAYBOOK}`)).status).not.toBe(200);

    const response = await api.call('/events', { body: { id: 'ev-cut-short-activated', customer: id, type: 'activated', at: iso(now) } });
    expect(response.status).toBe(202);
    await expect.poll(() => stateOf(id, 'activation'), { timeout: 20_000 }).toBe('done');
    const stored = await db.pool.query(`SELECT signalled_at IS NOT NULL AS handed_over FROM customer_events WHERE event_id = 'ev-cut-short-activated'`);
    expect(stored.rows).toEqual([{ handed_over: true }]);
  });

  it('never starts a finished journey again when an event arrives for it', async () => {
    const handle = temporal.client.workflow.getHandle(journeyWorkflowId(PLAYBOOK, 'cut-short'));
    const { runId } = await handle.describe();
    await handle.terminate('test: the journey has finished');
    const response = await api.call('/events', { body: { id: 'ev-cut-short-late', customer: 'cut-short', type: 'usage', at: iso(now + DAY), data: { active_users: 3, minutes: 30 } } });
    expect(response.status).toBe(202);
    const after = await handle.describe();
    expect([after.runId, after.status.name]).toEqual([runId, 'TERMINATED']);
  });
});
