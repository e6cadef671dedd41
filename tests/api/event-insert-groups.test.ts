/**
 * Group commit for `POST /events` (client/api/event-insert-groups.ts, issue
 * 14): requests arriving together share one statement, and each is still
 * decided alone: a request whose pins moved stores nothing and holds no one
 * back, an id sent twice is stored once, and a request Postgres refuses
 * fails without the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptEvents } from '../../client/api/accept-events.ts';
import { EventInsertGroups } from '../../client/api/event-insert-groups.ts';
import { JourneyPinCache } from '../../client/api/journey-pins.ts';
import { insertPinnedBatches, type StoredEvent } from '../../store/customer-events.ts';
import { journeyPinsOfCustomers, recordEnrolment } from '../../store/journeys.ts';
import type { Pool } from '../../store/pool.ts';
import type { Queryable } from '../../store/queryable.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, onboardingIR } from './support/playbook.ts';

let db: TestDatabase;

async function enrol(pool: Pool, customerId: string): Promise<string> {
  await recordEnrolment(pool, { id: customerId, attrs: {} }, {
    workflowId: `journey:${onboardingIR.playbook}:${customerId}`, customerId, playbook: onboardingIR.playbook, playbookHash: onboardingIR.sourceHash,
    contractStart: new Date('2026-01-01'), contractEnd: new Date('2027-01-01'), enrolledAt: new Date('2026-01-01'),
  });
  return (await journeyPinsOfCustomers(pool, [customerId])).get(customerId)!.pins;
}

const event = (id: string, customerId: string): StoredEvent => ({ id, customerId, type: 'usage', at: Date.parse('2026-02-01T00:00:00Z'), data: { active_users: 1 } });

async function storedIds(prefix: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ event_id: string }>('SELECT event_id FROM customer_events WHERE event_id LIKE $1 ORDER BY event_id', [`${prefix}%`]);
  return rows.map((r) => r.event_id);
}

/** The pool, counting the statements run through it. */
function counting(pool: Pool): { db: Queryable; statements: () => number } {
  let n = 0;
  const db = new Proxy(pool, {
    get(target, key, receiver) {
      if (key === 'query') return (...args: Parameters<Pool['query']>) => { n += 1; return (target.query as (...a: unknown[]) => unknown)(...args); };
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { db, statements: () => n };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool, onboardingIR);
});
afterAll(async () => {
  await db?.drop();
});

describe('several requests\' batches in one statement', () => {
  it('decides each batch on its own pins: a stale one stores nothing, the others store', async () => {
    const pins = await enrol(db.pool, 'g-fresh');
    await enrol(db.pool, 'g-moved');
    const [moved, fresh, unconditional] = await insertPinnedBatches(db.pool, [
      { events: [event('g1-a', 'g-moved'), event('g1-b', 'g-fresh')], expected: [{ customerId: 'g-moved', pins: 'journey:elsewhere sha256:0' }, { customerId: 'g-fresh', pins }] },
      { events: [event('g1-c', 'g-fresh')], expected: [{ customerId: 'g-fresh', pins }] },
      { events: [event('g1-d', 'g-moved')], expected: [] },
    ]);
    expect(moved).toEqual({ inserted: new Set(), stale: ['g-moved'] });
    expect(fresh).toEqual({ inserted: new Set(['g1-c']), stale: [] });
    expect(unconditional).toEqual({ inserted: new Set(['g1-d']), stale: [] });
    expect(await storedIds('g1-')).toEqual(['g1-c', 'g1-d']);
  });

  it('stores an id sent by two requests once, for the first; the second counts it a duplicate', async () => {
    const pins = await enrol(db.pool, 'g-twice');
    const [first, second] = await insertPinnedBatches(db.pool, [
      { events: [event('g2-x', 'g-twice')], expected: [{ customerId: 'g-twice', pins }] },
      { events: [event('g2-x', 'g-twice'), event('g2-y', 'g-twice')], expected: [{ customerId: 'g-twice', pins }] },
    ]);
    expect(first!.inserted).toEqual(new Set(['g2-x']));
    expect(second!.inserted).toEqual(new Set(['g2-y']));
  });

  it('gives an id to the first batch that stores when an earlier one holding it is stale', async () => {
    const pins = await enrol(db.pool, 'g-handed');
    const [stale, storing] = await insertPinnedBatches(db.pool, [
      { events: [event('g3-x', 'g-handed')], expected: [{ customerId: 'g-handed', pins: null }] },
      { events: [event('g3-x', 'g-handed')], expected: [{ customerId: 'g-handed', pins }] },
    ]);
    expect(stale).toEqual({ inserted: new Set(), stale: ['g-handed'] });
    expect(storing!.inserted).toEqual(new Set(['g3-x']));
  });
});

describe('EventInsertGroups', () => {
  it('stores concurrent requests in fewer statements than requests, every event once', async () => {
    for (const c of ['g-c0', 'g-c1', 'g-c2', 'g-c3']) await enrol(db.pool, c);
    const { db: counted, statements } = counting(db.pool);
    const intake = { pins: new JourneyPinCache(), groups: new EventInsertGroups(counted, { inFlight: 1 }) };
    // The pins are read once per customer, before the load (as a running server has them).
    await Promise.all(['g-c0', 'g-c1', 'g-c2', 'g-c3'].map((c, i) => acceptEvents(db.pool, [{ id: `g4-warm-${i}`, customer: c, type: 'usage', at: '2026-02-01T00:00:00Z' }], intake)));
    const before = statements();
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => acceptEvents(db.pool, [{ id: `g4-${String(i).padStart(2, '0')}`, customer: `g-c${i % 4}`, type: 'usage', at: '2026-02-01T00:00:00Z' }], intake)));
    expect(outcomes.every((o) => o.ok && o.accepted === 1)).toBe(true);
    expect(statements() - before).toBeLessThan(10);
    expect(await storedIds('g4-0')).toHaveLength(10);
    expect((await storedIds('g4-')).filter((id) => !id.startsWith('g4-warm'))).toHaveLength(40);
  });

  it('fails a batch Postgres refuses alone; the batches grouped with it are stored', async () => {
    await enrol(db.pool, 'g-ok');
    const groups = new EventInsertGroups(db.pool, { inFlight: 1 });
    // With one statement in flight, the first goes at once and the next two wait, then go together.
    const results = await Promise.allSettled([
      groups.insert({ events: [event('g5-a', 'g-ok')], expected: [] }),
      groups.insert({ events: [event('g5-b', 'g-ok')], expected: [] }),
      groups.insert({ events: [event('g5-c', 'no-such-customer')], expected: [] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/foreign key/);
    expect(await storedIds('g5-')).toEqual(['g5-a', 'g5-b']);
  });

  it('never puts more than maxEvents in one statement, but sends a larger batch alone', async () => {
    await enrol(db.pool, 'g-big');
    const { db: counted, statements } = counting(db.pool);
    const groups = new EventInsertGroups(counted, { inFlight: 1, maxEvents: 3 });
    const batch = (ids: string[]) => ({ events: ids.map((id) => event(id, 'g-big')), expected: [] });
    await Promise.all([
      groups.insert(batch(['g6-a'])),
      groups.insert(batch(['g6-b', 'g6-c'])), groups.insert(batch(['g6-d'])),
      groups.insert(batch(['g6-e', 'g6-f', 'g6-g', 'g6-h'])),
    ]);
    // a alone (the slot was free); b+c and d together (3 events); the 4-event batch alone.
    expect(statements()).toBe(3);
    expect(await storedIds('g6-')).toHaveLength(8);
  });
});
