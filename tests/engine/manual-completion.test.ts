/**
 * Milestones completed by hand (`receiveManualCompletion`): queued like an
 * event, processed in reference §10 step 3 of their instant as if `done_when`
 * held then.
 */
import { describe, expect, it } from 'vitest';
import {
  advanceJourney, explain, journeyReport, nextInstant, receiveEvent, receiveManualCompletion, startJourney,
} from '../../workflows/engine/index.ts';
import type { JourneyState } from '../../workflows/engine/types.ts';
import { at, compileYaml, ev } from './support.ts';

const playbook = compileYaml(`
playbook: by-hand
title: By hand
customer: { name: string, csm: string, manager: string }
events:
  kickoff: {}
milestones:
  - id: kickoff
    title: Kick-off held
    due: month 1
    done_when: happened(kickoff)
    steps:
      - at: due + 7 days
        remind: owner
        message: "kick-off with {{customer.name}} is late"
    on_done:
      - remind: manager
        message: "{{customer.name}} reached {{milestone.title}}"
  - id: review
    title: Quarterly review
    opens: start
    due: opens + 1 month
    repeat: every 3 months
    done_when: happened(kickoff) and false
`);
const term = { start: at('2026-01-01'), end: at('2027-01-01') };
const by = { note: 'kick-off call held, no event for it', by: 'ada@example.com' };

function started(): JourneyState {
  return startJourney(playbook, {
    customer: { id: 'c1', attrs: { name: 'Acme', csm: 'ada@example.com', manager: 'max@example.com' } },
    contract: term,
    enrolledAt: term.start,
  });
}

/** The journey advanced to `to`, through JSON like a durable journey's carried state. */
function advanced(state: JourneyState, to: number) {
  const step = advanceJourney(playbook, state, to);
  return { ...step, state: JSON.parse(JSON.stringify(step.state)) as JourneyState };
}

describe('manual completion', () => {
  it('completes an open milestone on time at its instant, firing on_done then', () => {
    const t = at('2026-01-20T10:15:00.123Z');
    let state = advanced(started(), t - 1).state;
    state = receiveManualCompletion(playbook, state, { milestone: 'kickoff', at: t, ...by });
    expect(nextInstant(playbook, state)).toBe(t);
    const step = advanced(state, t);
    expect(step.transitions).toContainEqual({ at: t, kind: 'milestone', milestone: 'kickoff', from: 'open', to: 'done', manual: by });
    expect(step.fired.map((a) => [a.source, a.at])).toEqual([['milestone/kickoff/on_done/0', t]]);
    const kickoff = journeyReport(playbook, step.state, t).milestones.find((m) => m.id === 'kickoff')!;
    expect(kickoff).toMatchObject({ state: 'done', completed_at: '2026-01-20T10:15:00.123Z' });
    // The queue is gone once processed: the state has the shape of one that never had one.
    expect('manual' in step.state).toBe(false);
    // Completion is final: the kick-off event later changes nothing, and the late step never fires.
    const rest = advanced(receiveEvent(playbook, step.state, ev('2026-01-25', 'kickoff')), term.end);
    expect(rest.transitions.filter((x) => x.kind === 'milestone' && x.milestone === 'kickoff')).toEqual([]);
    expect(rest.fired.some((a) => a.source.startsWith('milestone/kickoff/'))).toBe(false);
  });

  it('completes an overdue milestone late', () => {
    const t = at('2026-02-15');
    let state = advanced(started(), t - 1).state;
    expect(journeyReport(playbook, state, t - 1).milestones[0]!.state).toBe('overdue');
    state = receiveManualCompletion(playbook, state, { milestone: 'kickoff', at: t, ...by });
    const step = advanced(state, t);
    expect(step.transitions).toContainEqual({ at: t, kind: 'milestone', milestone: 'kickoff', from: 'overdue', to: 'late', manual: by });
    expect(journeyReport(playbook, step.state, t).milestones[0]).toMatchObject({ state: 'late', completed_at: '2026-02-15T00:00:00.000Z' });
  });

  it('at the due instant is on time (done when t <= due)', () => {
    const due = at('2026-02-01');
    const state = receiveManualCompletion(playbook, advanced(started(), due - 1).state, { milestone: 'kickoff', at: due, ...by });
    expect(journeyReport(playbook, advanced(state, due).state, due).milestones[0]!.state).toBe('done');
  });

  it('is dropped when the milestone completed before it is processed', () => {
    const t = at('2026-01-20');
    let state = receiveEvent(playbook, started(), ev('2026-01-10', 'kickoff'));
    state = advanced(state, t - 1).state;
    state = receiveManualCompletion(playbook, state, { milestone: 'kickoff', at: t, ...by });
    const step = advanced(state, t);
    expect(step.transitions).toEqual([]);
    expect(step.fired).toEqual([]);
    expect(journeyReport(playbook, step.state, t).milestones[0]).toMatchObject({ state: 'done', completed_at: '2026-01-10T00:00:00.000Z' });
    expect(step.state.milestones[0]!.manual).toBeUndefined();
  });

  it('is dropped for an unknown id and for a milestone not yet open', () => {
    const t = at('2026-01-20');
    let state = advanced(started(), t - 1).state;
    state = receiveManualCompletion(playbook, state, { milestone: 'nope', at: t, ...by });
    state = receiveManualCompletion(playbook, state, { milestone: 'review#2', at: t, ...by });
    const step = advanced(state, at('2026-04-01'));
    expect(step.transitions.filter((x) => x.kind === 'milestone' && x.manual !== undefined)).toEqual([]);
    expect(journeyReport(playbook, step.state, at('2026-04-01')).milestones.find((m) => m.id === 'review#2')!.state).toBe('open');
  });

  it('completes one instance of a repeating milestone by its instance id', () => {
    const t = at('2026-04-10');
    let state = advanced(started(), t - 1).state;
    state = receiveManualCompletion(playbook, state, { milestone: 'review#2', at: t, ...by });
    const step = advanced(state, t);
    expect(step.transitions).toEqual([{ at: t, kind: 'milestone', milestone: 'review#2', from: 'open', to: 'done', manual: by }]);
    const states = Object.fromEntries(journeyReport(playbook, step.state, t).milestones.map((m) => [m.id, m.state]));
    // Language version 2 (reference §5.1): review#1 closed, missed, when review#2 opened.
    expect(states).toMatchObject({ 'review#1': 'missed', 'review#2': 'done', 'review#3': 'pending' });
  });

  it('survives a JSON round trip of the state while queued', () => {
    const t = at('2026-01-20');
    const queued = receiveManualCompletion(playbook, advanced(started(), at('2026-01-05')).state, { milestone: 'kickoff', at: t, ...by });
    const revived = JSON.parse(JSON.stringify(queued)) as JourneyState;
    expect(revived.manual).toEqual([{ milestone: 'kickoff', at: t, ...by }]);
    expect(nextInstant(playbook, revived)).toBe(t);
    const a = advanced(queued, term.end);
    const b = advanced(revived, term.end);
    expect(b.transitions).toEqual(a.transitions);
    expect(b.state).toEqual(a.state);
    expect(b.state.milestones[0]!.manual).toEqual(by);
  });

  it('does not change the input state', () => {
    const state = advanced(started(), at('2026-01-05')).state;
    const before = JSON.stringify(state);
    const queued = receiveManualCompletion(playbook, state, { milestone: 'kickoff', at: at('2026-01-20'), ...by });
    advanceJourney(playbook, queued, term.end);
    expect(JSON.stringify(state)).toBe(before);
    expect(queued.manual).toHaveLength(1);
  });

  it('applies one at or before the clock at the first instant not yet processed', () => {
    const clock = at('2026-01-20');
    const state = receiveManualCompletion(playbook, advanced(started(), clock).state, { milestone: 'kickoff', at: at('2026-01-10'), ...by });
    expect(nextInstant(playbook, state)).toBe(clock + 1);
    const step = advanced(state, clock + 1);
    expect(step.transitions).toContainEqual({ at: clock + 1, kind: 'milestone', milestone: 'kickoff', from: 'open', to: 'done', manual: by });
  });

  it('is ignored after the term closed, and completes at contract.end before the close', () => {
    const closed = advanced(started(), term.end).state;
    expect(receiveManualCompletion(playbook, closed, { milestone: 'kickoff', at: term.end + 1, ...by })).toBe(closed);
    const last = receiveManualCompletion(playbook, advanced(started(), term.end - 1).state, { milestone: 'kickoff', at: term.end, ...by });
    const step = advanced(last, term.end);
    expect(step.transitions[0]).toEqual({ at: term.end, kind: 'milestone', milestone: 'kickoff', from: 'overdue', to: 'late', manual: by });
    expect(step.state.closed).toBe(true);
  });

  it('loads states from before manual completion existed (no queue key)', () => {
    const old = JSON.parse(JSON.stringify(advanced(started(), at('2026-01-05')).state)) as JourneyState;
    expect('manual' in old).toBe(false);
    const plain = advanced(old, term.end);
    const queued = advanced(receiveManualCompletion(playbook, old, { milestone: 'kickoff', at: at('2026-01-20'), ...by }), term.end);
    expect(plain.transitions.some((x) => x.kind === 'milestone' && x.milestone === 'kickoff' && x.to === 'missed')).toBe(true);
    expect(queued.transitions.some((x) => x.kind === 'milestone' && x.milestone === 'kickoff' && x.to === 'done')).toBe(true);
  });

  it('is explained as completed by hand, with who and why', () => {
    const t = at('2026-01-20');
    const state = advanced(receiveManualCompletion(playbook, advanced(started(), t - 1).state, { milestone: 'kickoff', at: t, ...by }), t).state;
    const why = explain(playbook, state, 'kickoff');
    expect(why.summary).toBe('done at 2026-01-20T00:00:00.000Z, on time (due 2026-02-01T00:00:00.000Z): completed by hand by ada@example.com ("kick-off call held, no event for it")');
    expect(why.condition?.value).toBe(false);
  });
});
