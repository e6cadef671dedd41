/**
 * Property: no change is missed between wake-ups. With every event on a whole
 * hour, every instant at which a condition can change (window exits, whole-day
 * `days_since` steps, scheduled instants) is on a whole hour too, so checking
 * every hour is exhaustive. At each hour the journey advanced to that hour
 * must agree with a fresh evaluation of every condition at that hour: a risk
 * is raised exactly while its condition holds, and no open milestone has a
 * condition that holds without having completed.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceJourney, cloneState, receiveEvents, startJourney } from '../../workflows/engine/index.ts';
import { compiled, newContext } from '../../workflows/engine/evaluator.ts';
import type { JourneyEvent, Value } from '../../workflows/engine/types.ts';
import { compileYaml } from './support.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const clinic = compileYaml(readFileSync(new URL('../../playbooks/clinic-first-year.yaml', import.meta.url), 'utf8'));
const edges = compileYaml(readFileSync(new URL('../golden/edges/playbook.yaml', import.meta.url), 'utf8'));
const stability = compileYaml(readFileSync(new URL('../golden/stability/playbook.yaml', import.meta.url), 'utf8'));

const cases: Array<{ name: string; ir: typeof clinic; days: number; attrs: Record<string, Value>; event: fc.Arbitrary<{ type: string; data: Record<string, unknown> }> }> = [
  {
    name: 'clinic-first-year', ir: clinic, days: 150,
    attrs: { name: 'A', segment: 'clinic', tier: 'growth', arr: 1, csm: 'c', manager: 'm' },
    event: fc.oneof(
      fc.record({ type: fc.constant('usage'), data: fc.record({ active_users: fc.integer({ min: 0, max: 12 }), minutes: fc.integer({ min: 0, max: 900 }) }) }),
      fc.record({ type: fc.constant('ticket_opened'), data: fc.record({ category: fc.constantFrom('operations', 'billing'), severity: fc.integer({ min: 1, max: 3 }) }) }),
      fc.record({ type: fc.constant('interaction'), data: fc.record({ kind: fc.constant('call') }) }),
      fc.record({ type: fc.constantFrom('activated', 'campaign_run', 'business_change', 'renewal_signed'), data: fc.constant({}) }),
    ),
  },
  {
    name: 'golden-edges', ir: edges, days: 90,
    attrs: { name: 'A', tier: 'growth', csm: 'c', manager: 'm' },
    event: fc.oneof(
      fc.record({ type: fc.constant('login'), data: fc.record({ seats: fc.integer({ min: 0, max: 20 }) }) }),
      fc.record({ type: fc.constantFrom('kickoff', 'signed'), data: fc.constant({}) }),
    ),
  },
  {
    name: 'golden-stability', ir: stability, days: 40,
    attrs: { name: 'A', csm: 'c', manager: 'm' },
    event: fc.oneof(
      fc.record({ type: fc.constant('error'), data: fc.record({ code: fc.constant('E') }) }),
      fc.record({ type: fc.constant('setup'), data: fc.constant({}) }),
    ),
  },
];

describe('continuous time', () => {
  for (const { name, ir, days, attrs, event } of cases) {
    it(`misses no change between wake-ups (${name})`, () => {
      const start = Date.UTC(2028, 0, 31);
      const end = start + days * DAY;
      const pb = compiled(ir);
      const hours = fc.integer({ min: -10 * 24, max: days * 24 });
      fc.assert(fc.property(fc.array(fc.tuple(hours, event), { maxLength: 30 }), (raw) => {
        const events: JourneyEvent[] = raw.map(([h, e]) => ({ at: start + h * HOUR, type: e.type, data: e.data as JourneyEvent['data'] })).sort((a, b) => a.at - b.at);
        let state = receiveEvents(ir, startJourney(ir, { customer: { id: 'c', attrs }, contract: { start, end }, enrolledAt: start }), events);
        for (let t = start; t < end; t += HOUR) {
          state = advanceJourney(ir, state, t).state;
          const probe = cloneState(state);
          const c = newContext(probe, t);
          pb.riskWhen.forEach((when, ri) => {
            expect(state.risks[ri]!.on, `${ir.risks[ri]!.id} at ${new Date(t).toISOString()}`).toBe(when(c) === true);
          });
          for (const inst of probe.milestones) {
            if (inst.state !== 'open' && inst.state !== 'overdue') continue;
            c.inst = inst;
            expect(pb.doneWhen[inst.m]!(c) === true, `${inst.id} holds at ${new Date(t).toISOString()} but is ${inst.state}`).toBe(false);
            c.inst = null;
          }
        }
      }), { numRuns: name === 'clinic-first-year' ? 12 : 25 });
    });
  }
});
