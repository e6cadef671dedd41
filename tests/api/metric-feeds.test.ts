/**
 * Metric feeds through the API (workflows/metric-feed.ts): with
 * `MILEPOST_METRIC_EVENTS=usage`, a journey enrolled from then on pulls usage
 * itself, so the API stores usage events and signals them to no journey that
 * pulls them; a journey enrolled before keeps receiving them as signals.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, enrolment } from './support/playbook.ts';
import { recordingGateway, type RecordingGateway } from './support/recording-gateway.ts';
import { startApi, type RunningApi } from './support/server.ts';

const SIX_HOURS = 6 * 3600_000;

let db: TestDatabase;
let gateway: RecordingGateway;
let plain: RunningApi;
let pulling: RunningApi;

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool);
  gateway = recordingGateway();
  // The same database behind two API configurations: before and after metric feeds were switched on.
  plain = await startApi(db.pool, gateway);
  // 'page_view' is not declared by the playbook: it is left out of the journey's feed.
  pulling = await startApi(db.pool, gateway, { metrics: { types: ['usage', 'page_view'], pullEveryMs: SIX_HOURS } });
});
afterAll(async () => {
  await Promise.all([plain?.close(), pulling?.close()]);
  await db?.drop();
});

const usage = (id: string, customer: string) => ({ id, customer, type: 'usage', at: '2026-02-03T10:00:00Z', data: { active_users: 4 } });

it('enrols with a feed of the declared metric types and hands over only the other stored events', async () => {
  const history = [
    { id: 'h-usage', type: 'usage', at: '2026-01-20T09:00:00Z', data: { active_users: 3 } },
    { id: 'h-activated', type: 'activated', at: '2026-01-25T09:00:00Z' },
  ];
  expect((await pulling.call('/customers', { body: { ...enrolment('fern'), events: history } })).status).toBe(201);
  expect(gateway.enrolmentMetrics.get('journey:onboarding:fern')).toEqual({ types: ['usage'], pullEveryMs: SIX_HOURS });
  // The stored usage is the journey's to pull, not part of its start input.
  expect(gateway.enrolmentEvents.get('journey:onboarding:fern')!.map((e) => e.id)).toEqual(['h-activated']);
  const row = await db.pool.query("SELECT metric_events FROM journeys WHERE customer_id = 'fern'");
  expect(row.rows).toEqual([{ metric_events: ['usage'] }]);
});

it('stores a metric event without signalling it, marks it handed over, and still signals the other types', async () => {
  gateway.delivered.length = 0;
  const response = await pulling.call('/events', { body: { events: [usage('u-fern-1', 'fern'), { id: 'a-fern', customer: 'fern', type: 'activated', at: '2026-02-04T10:00:00Z' }] } });
  expect(response.json).toEqual({ accepted: 2, duplicates: 0, ignored_fields: [] });
  await pulling.settle();
  expect(gateway.delivered.map((d) => d.event.id)).toEqual(['a-fern']);
  const stored = await db.pool.query("SELECT event_id, signalled_at IS NOT NULL AS handed_over FROM customer_events WHERE event_id IN ('u-fern-1', 'a-fern') ORDER BY event_id");
  // Handed over: the delivery loop must not pick the usage up and signal it later.
  expect(stored.rows).toEqual([{ event_id: 'a-fern', handed_over: true }, { event_id: 'u-fern-1', handed_over: true }]);
});

it('keeps signalling metric types to a journey enrolled before the feed was configured', async () => {
  expect((await plain.call('/customers', { body: enrolment('gorse') })).status).toBe(201);
  expect(gateway.enrolmentMetrics.has('journey:onboarding:gorse')).toBe(false);
  gateway.delivered.length = 0;
  expect((await pulling.call('/events', { body: usage('u-gorse-1', 'gorse') })).status).toBeLessThan(300);
  await pulling.settle();
  expect(gateway.delivered.map((d) => [d.customerId, d.event.id])).toEqual([['gorse', 'u-gorse-1']]);
});
