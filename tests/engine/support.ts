/**
 * Test helpers for the engine: compile playbook YAML written inline, run a
 * journey from inline events.
 */
import { compilePlaybook } from '../../dsl/index.ts';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { advanceJourney, journeyReport, receiveEvents, startJourney } from '../../workflows/engine/index.ts';
import type { JourneyEvent, JourneyReport, JourneyState, Value } from '../../workflows/engine/types.ts';

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
