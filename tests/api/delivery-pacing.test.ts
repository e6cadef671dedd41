/**
 * How often the delivery loop works (issue 14: it shares the process and the
 * pool with the requests it serves): a stream of events while Temporal is
 * down does not make a failing pass per request, an event after Temporal is
 * back is still delivered soon, and `signalled_at` is when the journey had it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, enrolment } from './support/playbook.ts';
import { beforeEachDelivery, recordingGateway, type RecordingGateway } from './support/recording-gateway.ts';
import { startApi, type RunningApi } from './support/server.ts';

const RETRY_MS = 200;

let db: TestDatabase;
let api: RunningApi;
let gateway: RecordingGateway;
/** Signals asked of the gateway, failed ones included. */
let attempts = 0;
/** When the gateway last answered a signal, or was about to (ms). */
let answeredAt = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool);
  gateway = recordingGateway();
  beforeEachDelivery(gateway, async () => {
    attempts += 1;
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Just before the signal answers: signalled_at must not be earlier.
    answeredAt = Date.now();
  });
  api = await startApi(db.pool, gateway, { delivery: { retryEveryMs: RETRY_MS, sweepEveryMs: 60_000 } });
  expect((await api.call('/customers', { body: enrolment('pace') })).status).toBe(201);
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const event = (id: string) => ({ id, customer: 'pace', type: 'usage', at: '2026-02-03T10:00:00Z', data: { active_users: 1 } });

describe('the delivery loop under load', () => {
  it('retries a failing delivery at most once per retryEveryMs however many events arrive, and delivers soon after Temporal is back', async () => {
    gateway.failDeliveries = true;
    attempts = 0;
    const started = Date.now();
    for (let i = 0; i < 40; i++) {
      expect((await api.call('/events', { body: event(`down-${i}`) })).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const elapsed = Date.now() - started;
    // Each failing pass asks once (the journey's oldest events wait, the rest behind them).
    expect(attempts).toBeLessThanOrEqual(Math.ceil(elapsed / RETRY_MS) + 2);
    expect(attempts).toBeGreaterThan(0);
    gateway.failDeliveries = false;
    const back = Date.now();
    expect((await api.call('/events', { body: event('back') })).status).toBe(202);
    await until(() => gateway.delivered.some((d) => d.event.id === 'back'));
    // Not the 30 s the doubling back-off could have grown to: within about one retryEveryMs.
    expect(Date.now() - back).toBeLessThan(RETRY_MS * 4 + 1000);
    expect(gateway.delivered.filter((d) => d.event.id?.startsWith('down-') === true)).toHaveLength(40);
  });

  it('stamps signalled_at once the signal has answered, not when the pass began', async () => {
    expect((await api.call('/events', { body: event('stamp') })).status).toBe(202);
    await api.settle();
    const { rows } = await db.pool.query<{ signalled_at: Date }>(`SELECT signalled_at FROM customer_events WHERE event_id = 'stamp'`);
    expect(rows[0]!.signalled_at.getTime()).toBeGreaterThanOrEqual(answeredAt);
  });
});

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
