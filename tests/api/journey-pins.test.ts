/**
 * `POST /events` keeps each customer's journeys between requests (issue 14:
 * one statement per small batch). A kept entry never decides alone: these
 * tests change a customer's journeys behind the cache's back, as another
 * process would (an enrolment, a migration), and the next batch is still
 * checked against every journey the customer has now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptEvents } from '../../client/api/accept-events.ts';
import { JourneyPinCache } from '../../client/api/journey-pins.ts';
import { PlaybookIR } from '../../dsl/ir/schema.ts';
import { recordEnrolment } from '../../store/journeys.ts';
import type { Pool } from '../../store/pool.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, onboardingIR } from './support/playbook.ts';

let db: TestDatabase;

/** A second playbook declaring `renewal_call` (onboarding does not) and `usage` with another field. */
const renewalIR = PlaybookIR.parse({
  ...onboardingIR,
  playbook: 'renewal',
  sourceHash: 'sha256:00000000000000000000000000000000000000000000000000000000000000a2',
  customer: {},
  events: { renewal_call: {}, usage: { seats: { kind: 'number' } } },
  queries: [{ event: 'renewal_call', field: null, where: null, window: null, milestone: null, source: 'renewal_call' }],
  retention: { renewal_call: { window: null, fields: [] } },
});

/** onboarding again, a new version whose `usage` takes `seats` instead of `active_users`. */
const onboardingV2 = PlaybookIR.parse({
  ...onboardingIR,
  sourceHash: 'sha256:00000000000000000000000000000000000000000000000000000000000000b2',
  events: { ...onboardingIR.events, usage: { seats: { kind: 'number' } } },
});

async function enrol(pool: Pool, customerId: string, ir: PlaybookIR): Promise<void> {
  await recordEnrolment(pool, { id: customerId, attrs: {} }, {
    workflowId: `journey:${ir.playbook}:${customerId}`, customerId, playbook: ir.playbook, playbookHash: ir.sourceHash,
    contractStart: new Date('2026-01-01'), contractEnd: new Date('2027-01-01'), enrolledAt: new Date('2026-01-01'),
  });
}

const usage = (id: string, customer: string, data: Record<string, unknown>) => ({ id, customer, type: 'usage', at: '2026-02-01T00:00:00Z', data });

beforeAll(async () => {
  db = await createTestDatabase();
  for (const ir of [onboardingIR, renewalIR, onboardingV2]) await deploy(db.pool, ir);
});
afterAll(async () => {
  await db?.drop();
});

describe('the journeys POST /events keeps per customer', () => {
  it('stores a batch in one statement once its customer is kept', async () => {
    await enrol(db.pool, 'kept', onboardingIR);
    const pins = new JourneyPinCache();
    expect((await acceptEvents(db.pool, [usage('k-1', 'kept', { active_users: 1 })], { pins })).ok).toBe(true);
    const statements: string[] = [];
    const query = db.pool.query.bind(db.pool);
    db.pool.query = ((text: string, ...rest: unknown[]) => { statements.push(text); return (query as (...args: unknown[]) => unknown)(text, ...rest); }) as typeof db.pool.query;
    try {
      const outcome = await acceptEvents(db.pool, [usage('k-2', 'kept', { active_users: 2 })], { pins });
      expect(outcome).toMatchObject({ ok: true, accepted: 1 });
    } finally {
      db.pool.query = query;
    }
    expect(statements).toHaveLength(1);
  });

  it('accepts an event only a playbook enrolled since declares, instead of refusing it on the kept journeys', async () => {
    await enrol(db.pool, 'grows', onboardingIR);
    const pins = new JourneyPinCache();
    expect((await acceptEvents(db.pool, [usage('g-1', 'grows', { active_users: 1 })], { pins })).ok).toBe(true);
    await enrol(db.pool, 'grows', renewalIR); // by another process: this cache has not seen it
    const outcome = await acceptEvents(db.pool, [{ id: 'g-2', customer: 'grows', type: 'renewal_call', at: '2026-02-02T00:00:00Z' }], { pins });
    expect(outcome).toMatchObject({ ok: true, accepted: 1 });
    const rejected = await db.pool.query(`SELECT count(*)::int AS n FROM rejected_events WHERE event_id = 'g-2'`);
    expect(rejected.rows[0].n).toBe(0);
  });

  it('checks an event against a journey enrolled since, and refuses what that journey refuses', async () => {
    await enrol(db.pool, 'both', onboardingIR);
    const pins = new JourneyPinCache();
    expect((await acceptEvents(db.pool, [usage('b-1', 'both', { active_users: 1 })], { pins })).ok).toBe(true);
    await enrol(db.pool, 'both', renewalIR);
    // Fine for onboarding (`seats` is no field of its usage), but renewal's `seats` is a number: refused, nothing stored.
    const refused = await acceptEvents(db.pool, [usage('b-2', 'both', { active_users: 2, seats: 'many' })], { pins });
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toContain('seats');
    const stored = await db.pool.query(`SELECT count(*)::int AS n FROM customer_events WHERE event_id = 'b-2'`);
    expect(stored.rows[0].n).toBe(0);
    // Fine for both: each journey gets its own reading of it.
    const accepted = await acceptEvents(db.pool, [usage('b-3', 'both', { active_users: 3, seats: 9 })], { pins });
    expect(accepted.ok).toBe(true);
    if (accepted.ok) expect([...accepted.checked.get('b-3')!.keys()].sort()).toEqual(['journey:onboarding:both', 'journey:renewal:both']);
  });

  it('checks an event against the version a journey was migrated to since it was kept', async () => {
    await enrol(db.pool, 'moves', onboardingIR);
    const pins = new JourneyPinCache();
    expect((await acceptEvents(db.pool, [usage('m-1', 'moves', { active_users: 1 })], { pins })).ok).toBe(true);
    await db.pool.query(`UPDATE journeys SET playbook_hash = $1 WHERE workflow_id = 'journey:onboarding:moves'`, [onboardingV2.sourceHash]);
    const outcome = await acceptEvents(db.pool, [usage('m-2', 'moves', { seats: 4 })], { pins });
    expect(outcome).toMatchObject({ ok: true, accepted: 1, ignoredFields: [] });
    const old = await acceptEvents(db.pool, [usage('m-3', 'moves', { active_users: 'many' })], { pins });
    expect(old.ok).toBe(true); // `active_users` is no field of v2's usage any more: ignored, not checked
    if (old.ok) expect(old.ignoredFields).toEqual([{ index: 0, field: 'active_users' }]);
  });

  it('refuses an event of an unknown customer on what the database says, and keeps it in rejected_events', async () => {
    const pins = new JourneyPinCache();
    const outcome = await acceptEvents(db.pool, [usage('u-1', 'nobody', { active_users: 1 })], { pins });
    expect(outcome).toMatchObject({ ok: false, errors: [{ index: 0, id: 'u-1', error: "unknown customer 'nobody' (not enrolled in any playbook)" }] });
    const rejected = await db.pool.query(`SELECT reason FROM rejected_events WHERE event_id = 'u-1'`);
    expect(rejected.rows).toHaveLength(1);
  });
});
