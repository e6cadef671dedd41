/**
 * Property: a journey's result does not depend on how it is driven. Fed all
 * events up front and advanced once (the simulator), or fed each event just
 * before its instant with the state carried through JSON (the durable
 * workflow, continue-as-new), the fired actions, transitions and report are
 * identical — whatever the look-ahead could see in each case.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceJourney, journeyReport, receiveEvents, startJourney } from '../../workflows/engine/index.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';
import { compileYaml, driveEventByEvent } from './support.ts';

const clinic = compileYaml(readFileSync(new URL('../../playbooks/clinic-first-year.yaml', import.meta.url), 'utf8'));
const edges = compileYaml(readFileSync(new URL('../golden/edges/playbook.yaml', import.meta.url), 'utf8'));
const DAY = 86_400_000;
const start = Date.UTC(2028, 0, 31);
const end = Date.UTC(2028, 6, 31);

const clinicEvent = fc.oneof(
  fc.record({ type: fc.constant('usage'), data: fc.record({ active_users: fc.integer({ min: 0, max: 12 }), minutes: fc.oneof(fc.integer({ min: 0, max: 900 }), fc.double({ min: 0, max: 900, noNaN: true })) }) }),
  fc.record({ type: fc.constant('ticket_opened'), data: fc.record({ category: fc.constantFrom('operations', 'billing'), severity: fc.integer({ min: 1, max: 3 }) }) }),
  fc.record({ type: fc.constant('interaction'), data: fc.record({ kind: fc.constantFrom('call', 'meeting') }) }),
  fc.record({ type: fc.constant('complaint'), data: fc.record({ severity: fc.integer({ min: 1, max: 3 }) }) }),
  fc.record({ type: fc.constantFrom('activated', 'campaign_run', 'renewal_signed', 'business_change'), data: fc.constant({}) }),
);
const edgesEvent = fc.oneof(
  fc.record({ type: fc.constant('login'), data: fc.record({ seats: fc.integer({ min: 0, max: 20 }) }) }),
  fc.record({ type: fc.constantFrom('kickoff', 'signed'), data: fc.constant({}) }),
);

function timeline(kind: fc.Arbitrary<{ type: string; data: Record<string, unknown> }>) {
  return fc.array(fc.tuple(fc.integer({ min: -20 * DAY, max: end - start + DAY }), kind), { maxLength: 60 })
    .map((xs) => xs.map(([offset, e]) => ({ at: start + Math.floor(offset / 3_600_000) * 3_600_000, type: e.type, data: e.data as JourneyEvent['data'] }))
      .sort((a, b) => a.at - b.at));
}

function attrsFor(ir: typeof clinic): Record<string, string | number> {
  return ir === clinic
    ? { name: 'Acme', segment: 'clinic', tier: 'growth', arr: 1, csm: 'ada', manager: 'max' }
    : { name: 'Acme', tier: 'vip', csm: 'ada', manager: 'max' };
}

function both(ir: typeof clinic, events: JourneyEvent[], enrolledAt: number) {
  const s0 = startJourney(ir, { customer: { id: 'c', attrs: attrsFor(ir) }, contract: { start, end }, enrolledAt });
  const once = advanceJourney(ir, receiveEvents(ir, s0, events), end);
  return { once, driven: driveEventByEvent(ir, s0, events, end) };
}

describe('driving a journey in pieces', () => {
  for (const [name, ir, kind] of [['clinic-first-year', clinic, clinicEvent], ['golden-edges', edges, edgesEvent]] as const) {
    it(`gives the same result as one advance (${name})`, () => {
      fc.assert(fc.property(timeline(kind), fc.integer({ min: -10, max: 60 }), (events, enrolDay) => {
        const { once, driven } = both(ir, events, start + enrolDay * DAY);
        expect(driven.fired).toEqual(once.fired);
        expect(driven.transitions).toEqual(once.transitions);
        expect(journeyReport(ir, driven.state, end)).toEqual(journeyReport(ir, once.state, end));
      }), { numRuns: 150 });
    });
  }
});
