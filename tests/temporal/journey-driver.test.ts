/**
 * The equal-instant rule (workflows/journey-driver.ts), in-process: however
 * signals and timers interleave, an event that reaches the workflow no later
 * than its own instant is processed in that instant, exactly as the
 * simulator does; only an event arriving after its instant is late.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import type { Timeline } from '../../client/simulate/timeline.ts';
import { acceptEvents, catchUp, driverReport, nextWake, startDriver, type DriverState } from '../../workflows/journey-driver.ts';
import type { FiredAction, JourneyEvent } from '../../workflows/engine/types.ts';
import { compileFile, referenceReport, timelineFile } from './support/reference.ts';

const DAY = 86_400_000;

/** Activation due at day 7, a task at the due instant unless activated by then. */
const PLAYBOOK = `
playbook: race
title: Equal instants
customer:
  name: string
  csm: string
events:
  activated: {}
milestones:
  - id: activation
    title: Activated
    due: day 7
    done_when: happened(activated)
    steps:
      - at: due
        open_task: "Activate {{customer.name}}"
`;

function compileRace(): PlaybookIR {
  const { ir, diagnostics } = compilePlaybook(PLAYBOOK, 'race.yaml');
  if (!ir) throw new Error(JSON.stringify(diagnostics));
  return ir;
}

const START = Date.parse('2026-01-01T00:00:00.000Z');
const DUE = START + 7 * DAY;
const customer = { id: 'c1', attrs: { name: 'C1', csm: 'ada@example.com' } };
const contract = { start: START, end: START + 365 * DAY };

/**
 * Runs the workflow loop by hand: tasks happen at timer instants
 * (next instant + 1 ms) and at signal arrivals; each task first takes the
 * signals that arrived by its time, then catches up.
 */
function drive(ir: PlaybookIR, arrivals: Array<{ at: number; events: JourneyEvent[] }>, until: number, journey: Pick<Timeline, 'customer' | 'contract'> = { customer, contract }): { driver: DriverState; fired: FiredAction[] } {
  const driver = startDriver(ir, journey.customer, journey.contract, journey.contract.start);
  const fired: FiredAction[] = [];
  let now = journey.contract.start;
  let next = 0;
  // Events that arrived before the journey existed ride in its start input.
  while (next < arrivals.length && arrivals[next]!.at <= now) acceptEvents(ir, driver, arrivals[next++]!.events);
  fired.push(...catchUp(ir, driver, now).fired);
  for (;;) {
    const wake = nextWake(ir, driver);
    const timer = wake === null ? Infinity : wake + 1;
    const signal = arrivals[next]?.at ?? Infinity;
    now = Math.min(timer, signal);
    if (now === Infinity || now > until + 1) break;
    while (next < arrivals.length && arrivals[next]!.at <= now) acceptEvents(ir, driver, arrivals[next++]!.events);
    fired.push(...catchUp(ir, driver, now).fired);
  }
  return { driver, fired };
}

describe('the equal-instant rule', () => {
  const ir = compileRace();
  const activated: JourneyEvent = { at: DUE, type: 'activated', data: {} };
  const timeline: Timeline = { file: 'race', customer, contract, events: [activated] };
  const until = DUE + DAY;

  it('processes an event signalled at its own instant in that instant, before the step due then', () => {
    const expected = referenceReport(ir, timeline, { until });
    expect(expected.milestones[0]).toMatchObject({ state: 'done', completed_at: '2026-01-08T00:00:00.000Z' });
    expect(expected.actions).toEqual([]);
    // The signal's task runs at exactly DUE; the timer for DUE fires at DUE + 1 ms.
    const { driver, fired } = drive(ir, [{ at: DUE, events: [activated] }], until);
    expect(fired).toEqual([]);
    expect(driverReport(ir, driver, until)).toEqual(expected);
  });

  it('processes it in that instant when the signal and the timer land in the same task', () => {
    const { driver, fired } = drive(ir, [{ at: DUE + 1, events: [activated] }], until);
    expect(fired).toEqual([]);
    expect(driverReport(ir, driver, until)).toEqual(referenceReport(ir, timeline, { until }));
  });

  it('treats an event arriving after its instant was processed as late: the step has fired', () => {
    const { driver, fired } = drive(ir, [{ at: DUE + 2, events: [activated] }], until);
    expect(fired.map((a) => a.source)).toEqual(['milestone/activation/step/0']);
    expect(driverReport(ir, driver, until).milestones[0]).toMatchObject({ state: 'late' });
  });

  it('ignores a re-delivered event (same id)', () => {
    const withId: JourneyEvent = { ...activated, id: 'evt-1' };
    const driver = startDriver(ir, customer, contract, contract.start);
    acceptEvents(ir, driver, [withId]);
    acceptEvents(ir, driver, [withId]);
    expect(driver.engine.pending).toHaveLength(1);
  });
});

describe('any interleaving of timers and on-time signals', () => {
  const ir = compileFile('playbooks/clinic-first-year.yaml');
  const timeline = timelineFile(ir, 'tests/temporal/fixtures/acme-clinic.yaml');

  it('gives the simulator report when every event arrives at or before its instant', () => {
    fc.assert(
      fc.property(
        // For each event, how long before its instant it is signalled: often exactly at it.
        fc.array(fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 5 * DAY })), { minLength: timeline.events.length, maxLength: timeline.events.length }),
        fc.integer({ min: 0, max: 400 }),
        (leads, untilDay) => {
          const until = Math.min(timeline.contract.start + untilDay * DAY, timeline.contract.end);
          // Arrivals keep the timeline's order (that orders equal instants) and never go back in time.
          let latest = -Infinity;
          const arrivals = timeline.events.map((event, i) => {
            latest = Math.max(latest, event.at - leads[i]!);
            return { at: Math.min(latest, event.at), events: [event] };
          });
          const { driver } = drive(ir, arrivals, until, timeline);
          expect(driverReport(ir, driver, until)).toEqual(referenceReport(ir, timeline, { until }));
        },
      ),
      { numRuns: 60 },
    );
  });
});
