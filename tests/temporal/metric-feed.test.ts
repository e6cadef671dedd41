/**
 * Metric feeds on Temporal with real Postgres (workflows/metric-feed.ts):
 * usage events stored in `customer_events` and pulled by the journey, never
 * signalled, give the simulator's report; a usage event stored while the
 * journey runs is pulled within a day and clears the churn warning it answers.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import { JOURNEY_WORKFLOW_TYPE } from '../../client/temporal/journey-gateway.ts';
import { startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import { insertCustomerEvents, metricEventsAfter } from '../../store/customer-events.ts';
import { upsertCustomer } from '../../store/journeys.ts';
import { getReport } from '../../workflows/messages.ts';
import type { JourneyEvent, JourneyReport } from '../../workflows/engine/types.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { testActivityDeps } from './support/activity-deps.ts';
import { compileFile, referenceReport, timelineFile } from './support/reference.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';

const DAY = 86_400_000;
const ir = compileFile('playbooks/clinic-first-year.yaml');
const timeline = timelineFile(ir, 'tests/temporal/fixtures/acme-clinic.yaml');
const daily = { types: ['usage'], pullEveryMs: DAY };

let db: TestDatabase;
let harness: TemporalHarness & { stop(): Promise<void> };

beforeAll(async () => {
  db = await createTestDatabase();
  // A stored row is pulled at once (production waits PULL_SETTLE_SECONDS against a commit race
  // these tests, storing one batch at a time, cannot have).
  harness = await startSimulationHarness(createActivities(testActivityDeps(db.pool, null, 'http://127.0.0.1:9', { metricSettleSeconds: 0 })));
});
afterAll(async () => {
  await harness?.stop();
  await db?.drop();
});

/** Stores events as the API does (the customer row first: events reference it). */
async function store(customerId: string, events: JourneyEvent[]): Promise<void> {
  await upsertCustomer(db.pool, { id: customerId, attrs: {} });
  await insertCustomerEvents(db.pool, events.map((e, i) => ({ id: e.id ?? `${customerId}-${e.type}-${i}-${e.at}`, customerId, type: e.type, at: e.at, data: e.data })));
}

function startInput(customerId: string, events: JourneyEvent[]): JourneyInput {
  return {
    kind: 'start',
    start: {
      ir, customer: { ...timeline.customer, id: customerId }, contract: timeline.contract, enrolledAt: timeline.contract.start,
      domainStart: timeline.contract.start, events, metrics: daily,
    },
  };
}

it('leaves a stored row younger than the settle time for a later pull', async () => {
  await store('settling', [{ id: 'settling-1', at: timeline.contract.start, type: 'usage', data: { active_users: 1, minutes: 5 } }]);
  expect(await metricEventsAfter(db.pool, 'settling', ['usage'], null, 10, 3600)).toEqual([]);
  expect((await metricEventsAfter(db.pool, 'settling', ['usage'], null, 10, 0)).map((e) => e.id)).toEqual(['settling-1']);
});

it('pulls stored usage instead of receiving it and reports exactly what the simulator does', async () => {
  const usage = timeline.events.filter((e) => e.type === 'usage');
  const signalled = timeline.events.filter((e) => e.type !== 'usage');
  expect(usage.length).toBeGreaterThan(3);
  await store('pulled-acme', usage);
  const report: JourneyReport = await harness.env.client.workflow.execute(JOURNEY_WORKFLOW_TYPE, {
    workflowId: 'metric-feed-year', taskQueue: harness.taskQueue, args: [startInput('pulled-acme', signalled)],
  });
  expect(report).toEqual({ ...referenceReport(ir, timeline), customer: 'pulled-acme' });
  // Without the usage the journey would have judged the year differently: the pull mattered.
  expect(report).not.toEqual({ ...referenceReport(ir, { ...timeline, events: signalled }), customer: 'pulled-acme' });
});

it('takes in a usage event stored while the journey runs at its next daily pull, clearing the churn warning it answers', async () => {
  const start = timeline.contract.start;
  const activated: JourneyEvent = { at: start + 2 * DAY, type: 'activated', data: {} };
  const usage: JourneyEvent = { id: 'live-usage-1', at: start + 3 * DAY, type: 'usage', data: { active_users: 9, minutes: 600 } };
  const handle = await harness.env.client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, {
    workflowId: 'metric-feed-live', taskQueue: harness.taskQueue, args: [startInput('live-clinic', [activated])],
  });
  // Six hours past the usage's instant, which the journey has processed without it.
  await harness.env.sleep(3 * DAY + 6 * 3_600_000);
  // Stored now, as the API would on receiving it (late): no signal reaches the journey.
  await store('live-clinic', [usage]);
  await harness.env.sleep(16 * DAY);
  const until = start + 18 * DAY;
  const report = await handle.query(getReport, until);

  const reference = (events: JourneyEvent[]) =>
    referenceReport(ir, { ...timeline, customer: { ...timeline.customer, id: 'live-clinic' }, events }, { until }).risks;
  // Without the usage, "usage stopped" is raised at activation and stays raised.
  const without = reference([activated]);
  expect(without.find((r) => r.id === 'usage_stopped')).toMatchObject({ cleared_at: null });
  // With it, the simulator clears the risk at the usage's instant. The journey
  // pulled it at its first pull after it was stored (the daily one): late, so
  // the risk clears then, within a day; windows still count the usage at its
  // own instant, so "usage stopped" is raised again 14 days after it, to the ms.
  const expected = reference([activated, usage]);
  const usageAt = new Date(usage.at).toISOString();
  expect(report.risks.map((r) => r.raised_at)).toEqual(expected.map((r) => r.raised_at));
  expect(expected.some((r) => r.cleared_at === usageAt)).toBe(true);
  report.risks.forEach((risk, i) => {
    const want = expected[i]!;
    expect(risk.id).toBe(want.id);
    if (want.cleared_at !== usageAt) expect(risk.cleared_at).toBe(want.cleared_at);
    else {
      const cleared = Date.parse(risk.cleared_at!);
      expect(cleared).toBeGreaterThan(usage.at);
      expect(cleared).toBeLessThanOrEqual(usage.at + DAY + 1);
    }
  });
  expect(report.risks).toContainEqual({ id: 'usage_stopped', raised_at: new Date(usage.at + 14 * DAY).toISOString(), cleared_at: null });
  await handle.terminate();
});
