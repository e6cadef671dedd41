/**
 * The delivery loop signals each journey as soon as it is ready (issue 14:
 * the lag's p99 was two passes): a journey whose signal hangs holds back
 * nobody else, its own later events wait behind it, and once it answers they
 * follow in order. Another server's events are swept up while this one
 * delivers, and a backlog left by an earlier process goes before what arrives
 * now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCustomerEvents } from '../../store/customer-events.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, enrolment } from './support/playbook.ts';
import { beforeEachDelivery, recordingGateway, type RecordingGateway } from './support/recording-gateway.ts';
import { startApi, type RunningApi } from './support/server.ts';

let db: TestDatabase;
let api: RunningApi;
let gateway: RecordingGateway;
let release: () => void = () => {};
let hanging: Promise<void> = Promise.resolve();
/** Event ids whose signal was asked for (a hanging one before it answers). */
const asked: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool);
  gateway = recordingGateway();
  beforeEachDelivery(gateway, async (input) => {
    asked.push(input.event.id ?? '');
    if (input.journeyId.includes('slow')) await hanging;
  });
  api = await startApi(db.pool, gateway, { delivery: { retryEveryMs: 50, sweepEveryMs: 60_000 } });
  for (const id of ['slow', 'fast']) expect((await api.call('/customers', { body: enrolment(id) })).status).toBe(201);
});
afterAll(async () => {
  release();
  await api?.close();
  await db?.drop();
});

const event = (id: string, customer: string) => ({ id, customer, type: 'usage', at: '2026-02-03T10:00:00Z', data: { active_users: 1 } });
const signalledAt = async (id: string) =>
  (await db.pool.query<{ signalled_at: Date | null }>('SELECT signalled_at FROM customer_events WHERE event_id = $1', [id])).rows[0]?.signalled_at ?? null;

describe('delivery per journey', () => {
  it('delivers and marks a journey\'s events while another journey\'s signal hangs, and the hung one\'s in order once it answers', async () => {
    hanging = new Promise((resolve) => { release = resolve; });
    expect((await api.call('/events', { body: event('slow-1', 'slow') })).status).toBe(202);
    for (const id of ['fast-1', 'fast-2', 'fast-3']) {
      expect((await api.call('/events', { body: event(id, 'fast') })).status).toBe(202);
      await until(async () => (await signalledAt(id)) !== null);
    }
    expect((await api.call('/events', { body: event('slow-2', 'slow') })).status).toBe(202);
    expect(gateway.delivered.map((d) => d.event.id)).toEqual(['fast-1', 'fast-2', 'fast-3']);
    expect(await signalledAt('slow-1')).toBeNull();
    release();
    await api.settle();
    expect(gateway.delivered.filter((d) => d.customerId === 'slow').map((d) => d.event.id)).toEqual(['slow-1', 'slow-2']);
    expect(await signalledAt('slow-2')).not.toBeNull();
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM customer_events WHERE signalled_at IS NULL');
    expect(rows[0]!.n).toBe(0);
  });

  it('delivers within about a second what a second API server stores while the first one holds the delivery lock', async () => {
    const second = await startApi(db.pool, gateway, { delivery: { retryEveryMs: 50, sweepEveryMs: 60_000 } });
    try {
      hanging = new Promise((resolve) => { release = resolve; });
      expect((await api.call('/events', { body: event('slow-3', 'slow') })).status).toBe(202);
      // The first server's loop is delivering, the lock held: its signal for slow-3 hangs.
      await until(async () => asked.includes('slow-3'));
      const stored = Date.now();
      expect((await second.call('/events', { body: event('fast-4', 'fast') })).status).toBe(202);
      // The first server, delivering (its slow journey's signal still out), sweeps it up.
      await until(async () => (await signalledAt('fast-4')) !== null);
      expect(Date.now() - stored).toBeLessThan(3000);
      expect(await signalledAt('slow-3')).toBeNull();
      release();
      await api.settle();
      expect(await signalledAt('slow-3')).not.toBeNull();
    } finally {
      release();
      await second.close();
    }
  });
});

describe('delivery behind a backlog', () => {
  it('delivers a backlog left by an earlier process before what arrives now, in arrival order, each event once', async () => {
    const backlog = Array.from({ length: 1200 }, (_, i) => ({ id: `old-${i}`, customerId: 'fast', type: 'usage', at: Date.parse('2026-02-04T10:00:00Z') + i, data: { active_users: 1 } }));
    // Stored without a notify, as an API process that died before signalling them would leave them.
    await insertCustomerEvents(db.pool, backlog);
    const before = gateway.delivered.length;
    expect((await api.call('/events', { body: event('new-1', 'fast') })).status).toBe(202);
    await api.settle();
    const ids = gateway.delivered.slice(before).map((d) => d.event.id);
    expect(ids).toEqual([...backlog.map((e) => e.id), 'new-1']);
  });

  it('does not signal again an event handed by its request after a sweep took it in and it was delivered', async () => {
    const late = { id: 'late-hand', customerId: 'fast', type: 'usage', at: Date.parse('2026-02-05T10:00:00Z'), data: { active_users: 1 } };
    // The request commits its row, then hands it to the loop: a sweep in between can deliver it first.
    await insertCustomerEvents(db.pool, [late]);
    api.app.deliveries.notify();
    await until(async () => (await signalledAt('late-hand')) !== null);
    api.app.deliveries.notify(undefined, [late]);
    await api.settle();
    expect(gateway.delivered.filter((d) => d.event.id === 'late-hand')).toHaveLength(1);
  });
});

async function until(done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
