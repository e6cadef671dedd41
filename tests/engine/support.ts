/**
 * Test helpers for the engine: compile playbook YAML written inline, run a
 * journey from inline events.
 */
import { compilePlaybook } from '../../dsl/index.ts';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { advanceJourney, journeyReport, receiveEvent, receiveEvents, startJourney } from '../../workflows/engine/index.ts';
import type { FiredAction, JourneyEvent, JourneyReport, JourneyState, Transition, Value } from '../../workflows/engine/types.ts';

/** Compiles playbook YAML or throws with the diagnostics. */
export function compileYaml(source: string): PlaybookIR {
  const { ir, diagnostics } = compilePlaybook(source, 'inline.yaml');
  if (ir === undefined) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return ir;
}

export const at = (iso: string): number => Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);

/** An event at an ISO instant. */
export function ev(iso: string, type: string, data: Record<string, Value> = {}): JourneyEvent {
  return { at: at(iso), type, data };
}

/** Runs a journey over a term with the given events and reports as of `until` (default the end). */
export function runJourney(
  ir: PlaybookIR,
  term: { start: string; end: string; attrs: Record<string, Value>; enrolledAt?: string },
  events: JourneyEvent[],
  until?: string,
): { report: JourneyReport; state: JourneyState } {
  const contract = { start: at(term.start), end: at(term.end) };
  let state = startJourney(ir, { customer: { id: 'c1', attrs: term.attrs }, contract, enrolledAt: term.enrolledAt === undefined ? contract.start : at(term.enrolledAt) });
  state = receiveEvents(ir, state, events);
  const u = until === undefined ? contract.end : at(until);
  state = advanceJourney(ir, state, u).state;
  return { report: journeyReport(ir, state, u), state };
}

/**
 * Drives a journey the way the durable workflow does: each event is received
 * just before its instant (after advancing to `at - 1`), and the state goes
 * through JSON between steps, as across continue-as-new.
 */
export function driveEventByEvent(ir: PlaybookIR, start: JourneyState, events: JourneyEvent[], end: number): { fired: FiredAction[]; transitions: Transition[]; state: JourneyState } {
  let state = start;
  const fired: FiredAction[] = [];
  const transitions: Transition[] = [];
  const take = (to: number) => {
    const step = advanceJourney(ir, state, to);
    fired.push(...step.fired);
    transitions.push(...step.transitions);
    state = JSON.parse(JSON.stringify(step.state)) as JourneyState;
  };
  for (const e of events) {
    take(e.at - 1);
    state = receiveEvent(ir, state, e);
  }
  take(end);
  return { fired, transitions, state };
}
