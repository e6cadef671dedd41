import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  advanceJourney, journeyReport, nextInstant, receiveEvent, receiveEvents, startJourney,
} from '../../workflows/engine/index.ts';
import type { JourneyEvent, JourneyState } from '../../workflows/engine/types.ts';
import { at, compileYaml, driveEventByEvent, ev, runJourney } from './support.ts';

const clinic = compileYaml(readFileSync(new URL('../../playbooks/clinic-first-year.yaml', import.meta.url), 'utf8'));
const clinicAttrs = { name: 'Acme Clinic', segment: 'clinic', tier: 'growth', arr: 24000, csm: 'ada@example.com', manager: 'max@example.com' };

/** A deterministic pseudo-random generator (tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** About `perYear` clinic events a year: mostly usage, some tickets, interactions, a complaint now and then. */
function clinicEvents(start: number, years: number, perYear: number, seed = 7): JourneyEvent[] {
  const rnd = lcg(seed);
  const events: JourneyEvent[] = [{ at: start + 5 * 86_400_000 + 3_600_000, type: 'activated', data: {} }];
  const n = Math.round(years * perYear);
  const span = years * 365 * 86_400_000;
  for (let i = 0; i < n; i++) {
    const t = start + Math.floor(rnd() * span);
    const r = rnd();
    if (r < 0.8) events.push({ at: t, type: 'usage', data: { active_users: Math.floor(rnd() * 12), minutes: Math.floor(rnd() * 600) } });
    else if (r < 0.9) events.push({ at: t, type: 'ticket_opened', data: { category: rnd() < 0.3 ? 'operations' : 'billing', severity: 1 + Math.floor(rnd() * 3) } });
    else if (r < 0.97) events.push({ at: t, type: 'interaction', data: { kind: 'call' } });
    else events.push({ at: t, type: 'complaint', data: { severity: 1 + Math.floor(rnd() * 3) } });
  }
  return events.sort((a, b) => a.at - b.at);
}

describe('bounded state', () => {
  it('keeps a small state over a 3-year journey with 30,000 events', () => {
    const start = at('2026-01-01');
    const contract = { start, end: at('2029-01-01') };
    const events = clinicEvents(start, 3, 10_000);
    let state = startJourney(clinic, { customer: { id: 'big', attrs: clinicAttrs }, contract, enrolledAt: start });
    const sizes: number[] = [];
    // Feed a month at a time, as a durable journey would receive them.
    let i = 0;
    for (let month = 1; month <= 36; month++) {
      const to = Date.UTC(2026, month, 1);
      const batch: JourneyEvent[] = [];
      while (i < events.length && events[i]!.at <= to) batch.push(events[i++]!);
      state = advanceJourney(clinic, receiveEvents(clinic, state, batch), to).state;
      // What grows with the journey's age is the record of fired actions, raises and (v2) tasks
      // (the report lists every one); the rest is bounded.
      sizes.push(JSON.stringify({ ...state, actions: [], risks: [], tasks: [], openTasks: [], opportunities: [] }).length);
    }
    expect(state.seen).toBe(events.length);
    const eventBytes = JSON.stringify(events).length;
    const peak = Math.max(...sizes);
    // At ~27 events a day the buffers hold what the windows need (usage minutes for 60 days,
    // ~1,300 events; interactions for 90 days, ~170): bounded by rate × window, not by age.
    expect(peak).toBeLessThan(100_000);
    expect(peak * 30).toBeLessThan(eventBytes);
    expect(sizes[35]!).toBeLessThan(sizes[11]! * 1.3);
  });

  it('keeps no buffer at all for event types no `within` query reads', () => {
    const { state } = runJourney(clinic, { start: '2026-01-01', end: '2027-01-01', attrs: clinicAttrs },
      Array.from({ length: 500 }, (_, k) => ev(new Date(at('2026-01-02') + k * 3_600_000).toISOString(), 'campaign_run', { name: `c${k}` })));
    expect(state.buffers['campaign_run']).toBeUndefined();
    expect(JSON.stringify(state).length).toBeLessThan(10_000);
  });
});

const windowPlaybook = compileYaml(`
playbook: windows
title: Windows
customer: { name: string, csm: string }
events:
  ping: { n: number }
milestones:
  - id: quiet_day
    title: A quiet day after a ping
    due: month 1
    done_when: happened(ping) and count(ping within 1 day) == 0
risks:
  - id: busy
    title: Pinged in the last day
    when: count(ping within 1 day) >= 1
    level: low
    actions:
      - remind: csm
        message: "ping {{customer.name}}"
triggers:
  - id: each_ping
    on: ping
    actions:
      - remind: csm
        message: "ping {{event.n}}"
`);
const windowTerm = { start: at('2026-03-01'), end: at('2026-04-01') };

function started(): JourneyState {
  return startJourney(windowPlaybook, { customer: { id: 'w', attrs: { name: 'W', csm: 'ada' } }, contract: windowTerm, enrolledAt: windowTerm.start });
}

describe('continuous time', () => {
  it('wakes exactly at window exits, without polling', () => {
    let state = receiveEvent(windowPlaybook, started(), ev('2026-03-05T06:00:00Z', 'ping', { n: 1 }));
    const instants: string[] = [];
    for (;;) {
      const next = nextInstant(windowPlaybook, state);
      if (next === null) break;
      instants.push(new Date(next).toISOString());
      state = advanceJourney(windowPlaybook, state, next).state;
    }
    expect(instants).toEqual([
      '2026-03-01T00:00:00.000Z', // contract.start
      '2026-03-05T06:00:00.000Z', // the ping
      '2026-03-06T06:00:00.000Z', // it leaves the 1-day window: risk cleared, milestone done
      '2026-04-01T00:00:00.000Z', // contract.end
    ]);
    const report = journeyReport(windowPlaybook, state, windowTerm.end);
    expect(report.milestones[0]).toMatchObject({ state: 'done', completed_at: '2026-03-06T06:00:00.000Z' });
    expect(report.risks).toEqual([{ id: 'busy', raised_at: '2026-03-05T06:00:00.000Z', cleared_at: '2026-03-06T06:00:00.000Z' }]);
    expect(nextInstant(windowPlaybook, state)).toBeNull();
  });

  it('applies a late event at the first unprocessed instant, keeping its own instant for windows', () => {
    let state = advanceJourney(windowPlaybook, started(), at('2026-03-05T12:00:00Z')).state;
    // Arrives after 03-05T12:00 was processed, but happened at 06:00.
    state = receiveEvent(windowPlaybook, state, ev('2026-03-05T06:00:00Z', 'ping', { n: 9 }));
    expect(nextInstant(windowPlaybook, state)).toBe(at('2026-03-05T12:00:00.001Z'));
    const step = advanceJourney(windowPlaybook, state, windowTerm.end);
    const report = journeyReport(windowPlaybook, step.state, windowTerm.end);
    expect(report.risks).toEqual([{ id: 'busy', raised_at: '2026-03-05T12:00:00.001Z', cleared_at: '2026-03-06T06:00:00.000Z' }]);
    expect(report.actions.map((a) => [a.at, a.source, a.message])).toEqual([
      ['2026-03-05T12:00:00.001Z', 'trigger/each_ping/0', 'ping 9'],
      ['2026-03-05T12:00:00.001Z', 'risk/busy/0', 'ping W'],
    ]);
    expect(report.milestones[0]!.completed_at).toBe('2026-03-06T06:00:00.000Z');
  });

  it('ignores events after the term and fires nothing after it closes', () => {
    let state = receiveEvents(windowPlaybook, started(), [ev('2026-04-01T00:00:00Z', 'ping', { n: 1 }), ev('2026-04-02', 'ping', { n: 2 })]);
    state = advanceJourney(windowPlaybook, state, at('2026-05-01')).state;
    const report = journeyReport(windowPlaybook, state, at('2026-05-01'));
    // The ping at contract.end is seen (step 1 precedes the close, step 7); the one after is not.
    expect(report.actions.map((a) => a.message)).toEqual(['ping 1', 'ping W']);
    expect(report.outcome).toBe('ended');
    expect(report.milestones[0]!.state).toBe('missed');
    expect(receiveEvent(windowPlaybook, state, ev('2026-03-10', 'ping', { n: 3 }))).toBe(state);
  });
});

describe('milestone instants', () => {
  it('computes opens from due when opens is written from due (reference §3 allows either anchor)', () => {
    const base = compileYaml(`
playbook: opens-from-due
title: Opens from due
customer: { csm: string }
events:
  signed: {}
milestones:
  - id: renewal
    title: Renewal
    renewal: true
    due: contract.end - 1 day
    done_when: happened(signed)
    steps:
      - at: opens
        remind: owner
        message: "window open"
`);
    // The compiler may refuse \`opens: due - 30 days\`; the engine still computes it (IR written by hand).
    const ir = structuredClone(base);
    ir.milestones[0]!.opens = { anchor: 'due', terms: [{ sign: -1, duration: { amount: 30, unit: 'day' } }], source: 'due - 30 days' };
    const { report } = runJourney(ir, { start: '2026-01-01', end: '2027-01-01', attrs: { csm: 'ada' } }, [ev('2026-12-10', 'signed')]);
    expect(report.milestones[0]).toEqual({ id: 'renewal', state: 'done', opens_at: '2026-12-01T00:00:00.000Z', due_at: '2026-12-31T00:00:00.000Z', completed_at: '2026-12-10T00:00:00.000Z' });
    expect(report.actions.map((a) => a.at)).toEqual(['2026-12-01T00:00:00.000Z']);
    expect(report.outcome).toBe('renewed');
  });
});

describe('purity and determinism', () => {
  const contract = { start: at('2026-01-31'), end: at('2027-01-31') };
  const events = clinicEvents(contract.start, 1, 100, 42);

  function oneShot() {
    const s0 = startJourney(clinic, { customer: { id: 'acme', attrs: clinicAttrs }, contract, enrolledAt: contract.start });
    return advanceJourney(clinic, receiveEvents(clinic, s0, events), contract.end);
  }

  it('does not change the state it is given', () => {
    const s0 = startJourney(clinic, { customer: { id: 'acme', attrs: clinicAttrs }, contract, enrolledAt: contract.start });
    const s1 = receiveEvents(clinic, s0, events);
    const frozen = JSON.stringify(s1);
    advanceJourney(clinic, s1, contract.end);
    journeyReport(clinic, s1, at('2026-06-01'));
    expect(JSON.stringify(s1)).toBe(frozen);
    expect(s0.pending).toEqual([]);
  });

  it('gives the same result whether advanced at once or event by event through JSON (continue-as-new)', () => {
    const whole = oneShot();
    // As the workflow driver does: process up to just before each event's instant, carry JSON.
    const { fired, transitions, state } = driveEventByEvent(clinic, startJourney(clinic, { customer: { id: 'acme', attrs: clinicAttrs }, contract, enrolledAt: contract.start }), events, contract.end);
    expect(fired).toEqual(whole.fired);
    expect(transitions).toEqual(whole.transitions);
    expect(journeyReport(clinic, state, contract.end)).toEqual(journeyReport(clinic, whole.state, contract.end));
  });

  it('reads a report as of an earlier instant from a state advanced further', () => {
    const whole = oneShot();
    const mid = at('2026-07-15T12:00:00Z');
    const s0 = receiveEvents(clinic, startJourney(clinic, { customer: { id: 'acme', attrs: clinicAttrs }, contract, enrolledAt: contract.start }), events);
    expect(journeyReport(clinic, whole.state, mid)).toEqual(journeyReport(clinic, advanceJourney(clinic, s0, mid).state, mid));
  });

  it('fires nothing before enrolment but computes states and risks as usual', () => {
    const enrolledAt = at('2026-06-01');
    const s0 = startJourney(clinic, { customer: { id: 'acme', attrs: clinicAttrs }, contract, enrolledAt });
    const late = advanceJourney(clinic, receiveEvents(clinic, s0, events), contract.end);
    const whole = oneShot();
    expect(late.fired.every((a) => a.at >= enrolledAt)).toBe(true);
    expect(late.fired.length).toBeGreaterThan(0);
    const a = journeyReport(clinic, late.state, contract.end);
    const b = journeyReport(clinic, whole.state, contract.end);
    expect(a.milestones).toEqual(b.milestones);
    expect(a.risks).toEqual(b.risks);
    expect(a.actions.every((x) => x.at >= '2026-06-01T00:00:00.000Z')).toBe(true);
  });

  it('gives every fired action a unique key', () => {
    const { fired } = oneShot();
    expect(new Set(fired.map((a) => a.key)).size).toBe(fired.length);
  });
});

describe('window sums', () => {
  // A running window sum once carried the floating-point residue of non-integers that had
  // left it (0.1 + 5 + 0.2 + 7, less 0.1, 5 and 0.2, is 7.000000000000001), so `== 7` failed.
  const ir = compileYaml(`
playbook: sums
title: Window sums
customer: { csm: string }
events:
  spend: { amount: number }
milestones:
  - id: seven
    title: Seven left in the window
    opens: day 10
    due: day 20
    done_when: sum(spend.amount within 5 days) == 7
`);

  it('is exact again once the non-integer values have left the window', () => {
    const { report } = runJourney(ir, { start: '2026-01-01', end: '2026-03-01', attrs: { csm: 'ada' } }, [
      ev('2026-01-06', 'spend', { amount: 0.1 }),
      ev('2026-01-07', 'spend', { amount: 5 }),
      ev('2026-01-08', 'spend', { amount: 0.2 }),
      ev('2026-01-10', 'spend', { amount: 7 }),
    ]);
    // Within 5 days at Jan 13 00:00 only the 7 of Jan 10 is left (Jan 8 left at Jan 13 00:00).
    expect(report.milestones[0]).toMatchObject({ id: 'seven', state: 'done', completed_at: '2026-01-13T00:00:00.000Z' });
  });
});
