/**
 * The read model the journeys write (recordInstant's progress, task rows
 * following the journey, the health history) and tasks through the API
 * (GET /tasks filters, close, assign), against real Postgres over real HTTP.
 * The journey side of a close is a stand-in gateway here that checks the
 * close was recorded before it was asked; tests/api/journeys-on-temporal.test.ts
 * closes through the real workflow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import type { ActivityDeps } from '../../activities/deps.ts';
import type { InstantProgress, JourneyRef } from '../../activities/types.ts';
import { healthTrend } from '../../store/journey-progress.ts';
import { findTask, requestTaskClose } from '../../store/tasks.ts';
import type { FiredAction, JourneyReport } from '../../workflows/engine/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, enrolment } from './support/playbook.ts';
import { recordingGateway, type RecordingGateway } from './support/recording-gateway.ts';
import { rowCounts, startApi, type RunningApi } from './support/server.ts';

const DAY = 86_400_000;
const T = (s: string) => Date.parse(s);
let db: TestDatabase;
let api: RunningApi;
let gateway: RecordingGateway & { closes: Array<{ journeyId: string; task: string; recordedFirst: boolean }>; closeFails: string | null };
let activities: ReturnType<typeof createActivities>;

const journey = (customer: string): JourneyRef => ({ journeyId: `journey:onboarding:${customer}`, customerId: customer, playbook: 'onboarding', playbookHash: 'sha256:x' });
const task = (source: string, at: number, title: string, recipient: string, dueAt: number): FiredAction =>
  ({ at, kind: 'open_task', source, to: 'csm', recipient, title, priority: 'high', dueAt, key: `${source}@${new Date(at).toISOString()}`, taskId: `${source}@${new Date(at).toISOString()}` }) as unknown as FiredAction;
const report = (customer: string, until: number, tasks: Array<{ id: string; closed_at: string | null; closed_because: string | null }> = []): JourneyReport => ({
  playbook: 'onboarding', customer, until: new Date(until).toISOString(), outcome: 'running',
  milestones: [{ id: 'activation', state: 'open', opens_at: '2026-01-31T00:00:00.000Z', due_at: '2026-02-28T00:00:00.000Z', completed_at: null }],
  actions: [], risks: [], tasks: tasks.map((t) => ({ source: t.id.split('@')[0], title: 'x', to: 'csm', priority: 'high', opened_at: t.id.split('@')[1], due_at: null, ...t })),
} as unknown as JourneyReport);

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool);
  const base = recordingGateway();
  gateway = Object.assign(base, {
    closes: [] as Array<{ journeyId: string; task: string; recordedFirst: boolean }>,
    closeFails: null as string | null,
    async closeTask(journeyId: string, close: { task: string; by: string; note: string }) {
      const { rows } = await db.pool.query('SELECT close_requested_by FROM tasks WHERE journey_id = $1 AND task_id = $2', [journeyId, close.task]);
      gateway.closes.push({ journeyId, task: close.task, recordedFirst: rows[0]?.close_requested_by === close.by });
      if (gateway.closeFails === 'UnknownTask') throw Object.assign(new Error(`no task ${close.task}`), { name: 'UnknownTaskError', type: 'UnknownTask' });
      // As workflows/journey-driver.ts refuses a close it cannot take (the gateway keeps the failure as `cause`).
      if (gateway.closeFails === 'InvalidRequest') {
        throw new Error("a task close needs 'by' (who closed it)", { cause: Object.assign(new Error('refused'), { type: 'InvalidRequest' }) });
      }
      if (gateway.closeFails !== null) throw new Error(gateway.closeFails);
      return { id: close.task, closed_at: '2026-02-10T12:00:00.000Z', closed_because: 'done' };
    },
  });
  api = await startApi(db.pool, gateway, { delivery: { retryEveryMs: 50, sweepEveryMs: 100, taskCloseRetryMs: 0 } });
  for (const [id, csm] of [['acme', 'ada@example.com'], ['bolt', 'bo@example.com']] as const) {
    expect((await api.call('/customers', { body: enrolment(id, { customer: { ...enrolment(id).customer, csm } }) })).status).toBe(201);
  }
  const deps: ActivityDeps = { pool: db.pool, mailer: null, mailFrom: 'm@example.com', slackWebhookUrl: null, webhookUrls: {}, webhookSecret: null, fetch, maxDeliveryAttempts: 3 };
  activities = createActivities(deps);
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('recordInstant writes the read model with the ledger', () => {
  const at = T('2026-02-01T00:00:00.000Z');
  const kickoff = task('milestone/activation/step/0', at, 'Kick off Acme', 'ada@example.com', at + 3 * DAY);
  const review = task('milestone/activation/step/1', at, 'Review Acme', 'ada@example.com', at + 40 * DAY);

  it('stores the progress, the tasks and the journey\'s status in one call, idempotently', async () => {
    const progress: InstantProgress = { at, report: report('acme', at), health: { value: 62, components: { usage: 62 } }, nextWakeAt: at + 3 * DAY };
    for (let i = 0; i < 2; i++) await activities.recordInstant(journey('acme'), [], [kickoff, review], progress);
    const { rows } = await db.pool.query(`SELECT at, outcome, health, health_components, next_wake_at, report ->> 'until' AS until FROM journey_progress WHERE workflow_id = 'journey:onboarding:acme'`);
    expect(rows).toEqual([{ at: new Date(at), outcome: 'running', health: 62, health_components: { usage: 62 }, next_wake_at: new Date(at + 3 * DAY), until: '2026-02-01T00:00:00.000Z' }]);
    expect((await api.call('/tasks?customer=acme')).json.tasks.map((t: { task_id: string; status: string }) => [t.task_id, t.status]))
      .toEqual([['milestone/activation/step/0@2026-02-01T00:00:00.000Z', 'open'], ['milestone/activation/step/1@2026-02-01T00:00:00.000Z', 'open']]);
  });

  it('never lets an older instant overwrite a newer one (a retried activity)', async () => {
    await activities.recordInstant(journey('acme'), [], [], { at: at + DAY, report: report('acme', at + DAY), health: { value: 50, components: {} }, nextWakeAt: null });
    await activities.recordInstant(journey('acme'), [], [], { at, report: report('acme', at), health: { value: 99, components: {} }, nextWakeAt: null });
    const { rows } = await db.pool.query(`SELECT at, health FROM journey_progress WHERE workflow_id = 'journey:onboarding:acme'`);
    expect(rows).toEqual([{ at: new Date(at + DAY), health: 50 }]);
  });

  it('closes a task row as the journey\'s report says, once: the first close stands', async () => {
    const id = kickoff.source + '@2026-02-01T00:00:00.000Z';
    const closedAt = at + 2 * DAY;
    await activities.recordInstant(journey('acme'), [], [], { at: closedAt, report: report('acme', closedAt, [{ id, closed_at: new Date(closedAt).toISOString(), closed_because: 'milestone_completed' }]), health: null, nextWakeAt: null });
    await activities.recordInstant(journey('acme'), [], [], { at: closedAt + DAY, report: report('acme', closedAt + DAY, [{ id, closed_at: new Date(closedAt + DAY).toISOString(), closed_because: 'term_closed' }]), health: null, nextWakeAt: null });
    const { rows } = await db.pool.query(`SELECT status, closed_at, closed_because FROM tasks WHERE task_id = $1`, [id]);
    expect(rows).toEqual([{ status: 'closed', closed_at: new Date(closedAt), closed_because: 'milestone_completed' }]);
  });

  it('keeps one health value per journey per day, carrying a value over the days the journey did not wake', async () => {
    const days = await healthTrend(db.pool, at + DAY, 90);
    // The older retried instant was refused whole, its health with it: 62 stands for the 1st.
    expect(days).toEqual([{ day: '2026-02-01', mean: 62, journeys: 1 }, { day: '2026-02-02', mean: 50, journeys: 1 }]);
    await activities.recordInstant(journey('bolt'), [], [], { at: at + 5 * DAY, report: report('bolt', at + 5 * DAY), health: { value: 80, components: {} }, nextWakeAt: null });
    await activities.recordInstant(journey('bolt'), [], [], { at: at + 8 * DAY, report: report('bolt', at + 8 * DAY), health: { value: 20, components: {} }, nextWakeAt: null });
    const trend = await healthTrend(db.pool, at + 8 * DAY, 90);
    expect(trend.map((d) => [d.day, d.mean, d.journeys])).toEqual([
      ['2026-02-01', 62, 1], ['2026-02-02', 50, 1], ['2026-02-06', 80, 1], ['2026-02-07', 80, 1], ['2026-02-08', 80, 1], ['2026-02-09', 20, 1],
    ]);
    expect((await api.call('/figures/health?csm=bo@example.com')).status).toBe(200);
  });
});

describe('tasks through the API', () => {
  const at = T('2026-03-01T00:00:00.000Z');
  let openId: number;

  beforeAll(async () => {
    await activities.recordInstant(journey('bolt'), [], [
      task('trigger/complaint/0', at, 'Call Bolt back', 'bo@example.com', Date.now() - DAY),
      task('trigger/complaint/1', at, 'Send Bolt a gift', 'bo@example.com', Date.now() + 30 * DAY),
    ]);
    openId = (await api.call('/tasks?customer=bolt&overdue=true')).json.tasks[0].id;
    expect(openId).toBeGreaterThan(0);
  });

  it('filters by customer, playbook, csm (the assignee), state and overdue', async () => {
    const titles = async (query: string) => (await api.call(`/tasks?${query}`)).json.tasks.map((t: { title: string }) => t.title);
    expect(await titles('csm=bo@example.com')).toEqual(['Call Bolt back', 'Send Bolt a gift']);
    expect(await titles('csm=ada@example.com&state=open')).toEqual(['Review Acme']);
    expect(await titles('customer=acme&state=closed')).toEqual(['Kick off Acme']);
    // Review Acme was due 2026-03-13, Call Bolt back yesterday; the gift is due in a month, Kick off is closed.
    expect(await titles('overdue=true&playbook=onboarding')).toEqual(['Review Acme', 'Call Bolt back']);
    expect((await api.call('/tasks?state=maybe')).status).toBe(400);
    expect((await api.call('/outbox?csm=bo@example.com')).status).toBe(200);
    expect((await api.call('/ledger?csm=bo@example.com')).json.ledger).toEqual([]);
  });

  it('refuses a close without `by` and an unknown task, changing nothing', async () => {
    const before = await rowCounts(db.pool);
    const noBy = await api.call(`/tasks/${openId}/close`, { body: { note: 'done' } });
    expect(noBy.status).toBe(400);
    expect(JSON.stringify(noBy.json)).toMatch(/by/);
    expect((await api.call('/tasks/999999/close', { body: { by: 'bo' } })).status).toBe(404);
    expect((await api.call('/tasks/not-a-task/close', { body: { by: 'bo' } })).status).toBe(404);
    // Only white space names nobody: the journey would refuse it, so the API does, before recording anything
    // (Schemathesis found `{"by": "\n"}` recorded, then refused by the journey, answered 503 and asked again for ever).
    for (const by of ['\n', '   ', '\t ']) {
      const blank = await api.call(`/tasks/${openId}/close`, { body: { by } });
      expect(blank.status).toBe(400);
      expect(blank.json.errors).toEqual(['by: must name someone (not only white space)']);
    }
    expect((await api.call(`/tasks/${openId}/assign`, { body: { to: ' ' } })).json.errors).toEqual(['to: must name someone (not only white space)']);
    const completion = await api.call('/customers/acme/journeys/onboarding/milestones/activation/complete', { body: { by: '\n', note: 'kick-off held' } });
    expect(completion.status).toBe(400);
    expect(completion.json.errors).toEqual(['by: must name someone (not only white space)']);
    expect((await findTask(db.pool, openId))!.close_requested_by).toBeNull();
    expect(await rowCounts(db.pool)).toEqual(before);
    expect(gateway.closes).toEqual([]);
  });

  it('records the close before asking the journey, and answers with the task as the journey closed it', async () => {
    const response = await api.call(`/tasks/${openId}/close`, { body: { by: 'bo@example.com', note: 'called, sorted' } });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: openId, status: 'closed', closed_because: 'done', closed_by: 'bo@example.com', close_note: 'called, sorted', closed_at: '2026-02-10T12:00:00.000Z' });
    expect(gateway.closes).toEqual([{ journeyId: 'journey:onboarding:bolt', task: 'trigger/complaint/0@2026-03-01T00:00:00.000Z', recordedFirst: true }]);
    // Closing a closed task: 200, unchanged, the journey not asked again.
    const again = await api.call(`/tasks/${openId}/close`, { body: { by: 'someone-else' } });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(response.json);
    expect(gateway.closes).toHaveLength(1);
  });

  it('keeps a close recorded while Temporal is down and delivers it later; withdraws one the journey does not know', async () => {
    const gift = (await api.call('/tasks?customer=bolt&state=open')).json.tasks[0];
    gateway.closeFails = 'temporal unreachable (test)';
    const down = await api.call(`/tasks/${gift.id}/close`, { body: { by: 'bo@example.com' } });
    expect(down.status).toBe(503);
    expect(JSON.stringify(down.json)).toMatch(/recorded and will reach journey/);
    expect((await findTask(db.pool, gift.id))!.close_requested_by).toBe('bo@example.com');
    gateway.closeFails = null;
    await expect.poll(() => gateway.closes.filter((c) => c.task === gift.task_id).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

    const review = (await api.call('/tasks?customer=acme&state=open')).json.tasks[0];
    gateway.closeFails = 'UnknownTask';
    const unknown = await api.call(`/tasks/${review.id}/close`, { body: { by: 'ada@example.com' } });
    gateway.closeFails = null;
    expect(unknown.status).toBe(409);
    expect((await findTask(db.pool, review.id))).toMatchObject({ status: 'open', close_requested_by: null });

    // The journey refuses the request itself: 400 with its reason, and nothing left recorded to ask again.
    gateway.closeFails = 'InvalidRequest';
    const refused = await api.call(`/tasks/${review.id}/close`, { body: { by: 'ada@example.com' } });
    gateway.closeFails = null;
    expect(refused.status).toBe(400);
    expect(refused.json.errors).toEqual([`journey ${review.journey_id} refused the close: a task close needs 'by' (who closed it)`]);
    expect((await findTask(db.pool, review.id))).toMatchObject({ status: 'open', close_requested_by: null });
  });

  it('withdraws a recorded close the journey refuses when the loop asks again, instead of asking for ever', async () => {
    const review = (await api.call('/tasks?customer=acme&state=open')).json.tasks[0];
    // As a server before the check above recorded it: a blank `by`, which the journey refuses.
    await requestTaskClose(db.pool, review.id, { by: ' ', note: '' });
    gateway.closeFails = 'InvalidRequest';
    try {
      await expect.poll(async () => (await findTask(db.pool, review.id))!.close_requested_by, { timeout: 10_000 }).toBeNull();
      const asked = gateway.closes.filter((c) => c.task === review.task_id).length;
      expect(asked).toBeGreaterThan(0);
      // The loop looks for closes to ask again every second: two more looks ask nothing.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(gateway.closes.filter((c) => c.task === review.task_id)).toHaveLength(asked);
      expect(await findTask(db.pool, review.id)).toMatchObject({ status: 'open', close_requested_at: null });
    } finally {
      gateway.closeFails = null;
    }
  });

  it('assigns a task to a person, and 404s an unknown one', async () => {
    const review = (await api.call('/tasks?customer=acme&state=open')).json.tasks[0];
    const assigned = await api.call(`/tasks/${review.id}/assign`, { body: { to: 'cy@example.com' } });
    expect(assigned.status).toBe(200);
    expect(assigned.json.assignee).toBe('cy@example.com');
    expect((await api.call('/tasks?csm=cy@example.com')).json.tasks.map((t: { id: number }) => t.id)).toEqual([review.id]);
    expect((await api.call('/tasks/424242/assign', { body: { to: 'x' } })).status).toBe(404);
    expect((await api.call(`/tasks/${review.id}/assign`, { body: {} })).status).toBe(400);
  });
});

describe('the delivery loop', () => {
  it('delivers after a restart what an earlier server stored and never delivered, each event once, in order per journey', async () => {
    const own = await createTestDatabase();
    try {
      await deploy(own.pool);
      const down = recordingGateway();
      const first = await startApi(own.pool, down);
      expect((await first.call('/customers', { body: enrolment('crash') })).status).toBe(201);
      down.failDeliveries = true;
      const events = Array.from({ length: 5 }, (_, i) => ({ id: `r-${i}`, customer: 'crash', type: 'usage', at: `2026-02-0${i + 1}T00:00:00Z`, data: { active_users: i } }));
      // Out of time order on purpose: delivery keeps arrival order, the journey orders by instant.
      expect((await first.call('/events', { body: { events: [events[3], events[0], events[4]] } })).status).toBe(202);
      expect((await first.call('/events', { body: { events: [events[1], events[2]] } })).status).toBe(202);
      await first.close(); // the server stops with all five stored, none delivered
      expect(down.delivered).toEqual([]);
      const up = recordingGateway();
      const second = await startApi(own.pool, up);
      try {
        await second.settle();
        expect(up.delivered.map((d) => d.event.id)).toEqual(['r-3', 'r-0', 'r-4', 'r-1', 'r-2']);
        await second.settle();
        expect(up.delivered).toHaveLength(5);
        expect((await second.call('/events/backlog')).json.waiting).toBe(0);
      } finally {
        await second.close();
      }
    } finally {
      await own.drop();
    }
  });
});
