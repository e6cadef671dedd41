/**
 * Operators can see inside the API (issue 14 item 5), on a real server over
 * real Postgres: JSON request logs on by default with the `token` query
 * parameter and the Authorization header redacted (on main the log carried
 * `"url":"/dashboard?token=..."` and request logs needed MILEPOST_LOG=1), a
 * log line per enrolment and per delivery pass, and a Prometheus `/metrics`
 * with journeys by status, events accepted / delivered / waiting / lag,
 * messages by channel and status, enrolments and HTTP latency.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../client/observability/logger.ts';
import { ApiMetrics } from '../../client/observability/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy } from '../api/support/playbook.ts';
import { recordingGateway } from '../api/support/recording-gateway.ts';
import { startApi, TOKEN, type RunningApi } from '../api/support/server.ts';

let db: TestDatabase;
let api: RunningApi;
const lines: Array<Record<string, unknown>> = [];
let raw = '';

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool);
  const sink = new Writable({
    write(chunk, _enc, done) {
      raw += String(chunk);
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  let backlog: () => Promise<{ waiting: number; lagMs: number }> = async () => ({ waiting: 0, lagMs: 0 });
  const observability = new ApiMetrics({ pool: db.pool, backlog: () => backlog() });
  api = await startApi(db.pool, recordingGateway(), { logger: createLogger('api', {}, sink), observability });
  backlog = () => api.app.deliveries.backlog();
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const customer = (id: string) => ({
  playbook: 'onboarding',
  customer: { id, name: `Clinic ${id}`, tier: 'growth', arr: 1000, csm: 'ada@example.com', signed_on: '2026-01-10' },
  contract: { start: '2026-01-31', end: '2027-01-31' },
});

/** The value of one sample of the exposition text (`name{labels} value`). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('logs (#14)', () => {
  it('logs every request as JSON by default, with the token query parameter and the Authorization header redacted', async () => {
    await fetch(`${api.base}/dashboard?token=${TOKEN}&view=1`);
    await api.call('/journeys');
    expect(raw).not.toContain(TOKEN);
    const dashboard = lines.find((l) => (l['req'] as { url?: string } | undefined)?.url?.startsWith('/dashboard'));
    expect(dashboard).toMatchObject({ level: 'info', component: 'api', req: { method: 'GET', url: '/dashboard?token=[redacted]&view=1' } });
    expect(typeof dashboard!['time']).toBe('string');
    const completed = lines.find((l) => l['msg'] === 'request completed' && (l['res'] as { statusCode?: number } | undefined)?.statusCode === 200);
    expect(completed).toMatchObject({ level: 'info', res: { statusCode: 200 } });
    expect(typeof completed!['responseTime']).toBe('number');
  });

  it('logs each enrolment and each delivery pass', async () => {
    expect((await api.call('/customers', { body: customer('obs1') })).status).toBe(201);
    expect((await api.call('/customers', { body: customer('obs1') })).status).toBe(200);
    expect(lines.filter((l) => typeof l['enrolment'] === 'string').map((l) => [l['enrolment'], l['customer'], l['playbook']])).toEqual([
      ['enrolled', 'obs1', 'onboarding'], ['already_enrolled', 'obs1', 'onboarding'],
    ]);
    const posted = await api.call('/events', { body: { id: 'obs-e1', customer: 'obs1', type: 'activated', at: '2026-02-01T00:00:00Z' } });
    expect(posted.status).toBe(202);
    await api.settle();
    expect(lines.some((l) => l['msg'] === 'events delivered' && typeof l['delivered'] === 'number' && l['level'] === 'info')).toBe(true);
  });
});

describe('GET /metrics (#14)', () => {
  it('needs the token, like every route but /health', async () => {
    expect((await api.call('/metrics', { headers: { authorization: null } })).status).toBe(401);
  });

  it('serves journeys by status, events accepted / delivered / waiting / lag, messages, enrolments and HTTP latency', async () => {
    const before = await api.call('/metrics');
    expect(before.status).toBe(200);
    const accepted0 = sample(before.text, 'milepost_events_accepted_total') ?? 0;
    const delivered0 = sample(before.text, 'milepost_events_delivered_total') ?? 0;
    const batch = { events: [1, 2, 3].map((i) => ({ id: `obs-m${i}`, customer: 'obs1', type: 'usage', at: `2026-02-0${i}T00:00:00Z`, data: { active_users: i } })) };
    expect((await api.call('/events', { body: batch })).status).toBe(202);
    await api.settle();
    const after = await api.call('/metrics');
    expect(after.text).toContain('# TYPE milepost_journeys gauge');
    expect(sample(after.text, 'milepost_journeys{status="running"}')).toBe(1);
    expect(sample(after.text, 'milepost_events_accepted_total')).toBe(accepted0 + 3);
    expect(sample(after.text, 'milepost_events_delivered_total')).toBe(delivered0 + 3);
    expect(sample(after.text, 'milepost_events_waiting')).toBe(0);
    expect(sample(after.text, 'milepost_event_delivery_lag_seconds')).toBe(0);
    expect(sample(after.text, 'milepost_enrolments_total{outcome="enrolled"}')).toBe(1);
    expect(sample(after.text, 'milepost_enrolments_total{outcome="already_enrolled"}')).toBe(1);
    expect(after.text).toContain('# TYPE milepost_messages gauge');
    expect(sample(after.text, 'milepost_http_request_duration_seconds_count{method="POST",route="/events",status="202"}')).toBeGreaterThanOrEqual(2);
    expect(after.text).toMatch(/^milepost_process_cpu_user_seconds_total /m);
  });
});
