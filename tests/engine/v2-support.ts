/**
 * Helpers for the language-version-2 engine tests: a playbook compiled from
 * YAML, then given its version-2 keys by hand, so the engine's v2 rules are
 * tested on exactly the IR shape of dsl/ir/schema.ts whatever the compiler
 * emits. Auxiliary milestones `x_<name>` lend their compiled `done_when` (a
 * Rule over the playbook's own interned queries) and `due` (a time
 * expression); {@link take} removes them from the IR.
 */
import type { Action, Duration, Milestone, PlaybookIR, Rule, Template, TimeExpr } from '../../dsl/ir/schema.ts';
import {
  advanceJourney, journeyReport, receiveEvents, receiveTaskClose, startJourney,
} from '../../workflows/engine/index.ts';
import type { Advance, JourneyEvent, JourneyReport, JourneyState, TaskCloseInput, Value } from '../../workflows/engine/index.ts';
import { at, compileYaml } from './support.ts';

/** Compiles YAML into a version-2 IR (`language: 2`), then applies `patch`. */
export function v2Playbook(yaml: string, patch: (ir: PlaybookIR) => void = () => undefined): PlaybookIR {
  const ir = compileYaml(yaml);
  ir.language = 2;
  patch(ir);
  return ir;
}

/** Removes auxiliary milestone `x_<name>` and returns it (its doneWhen is a rule, its due a time expression). */
export function take(ir: PlaybookIR, name: string): Milestone {
  const i = ir.milestones.findIndex((m) => m.id === `x_${name}`);
  if (i < 0) throw new Error(`no auxiliary milestone x_${name}`);
  return ir.milestones.splice(i, 1)[0]!;
}

/** The rule of auxiliary milestone `x_<name>` (removed). */
export const rule = (ir: PlaybookIR, name: string): Rule => take(ir, name).doneWhen;

/** The time expression of auxiliary milestone `x_<name>`'s `due` (removed). */
export const time = (ir: PlaybookIR, name: string): TimeExpr => take(ir, name).due;

export const days = (amount: number): Duration => ({ amount, unit: 'day' });

/** A literal template. */
export const text = (s: string): Template => ({ source: s, parts: [s] });

export function milestone(ir: PlaybookIR, id: string): Milestone {
  const m = ir.milestones.find((x) => x.id === id);
  if (m === undefined) throw new Error(`no milestone ${id}`);
  return m;
}

/** The action of step `i` of milestone `id`. */
export function stepAction(ir: PlaybookIR, id: string, i: number): Action {
  return milestone(ir, id).steps[i]!.action;
}

export interface Term {
  start: string;
  end: string;
  attrs?: Record<string, Value>;
  enrolledAt?: string;
}

/** Runs a journey (events, task closes) to `until` (default the end); the report, the state and what the advance produced. */
export function run(
  ir: PlaybookIR,
  term: Term,
  events: JourneyEvent[],
  options: { until?: string; closes?: Array<Omit<TaskCloseInput, 'at'> & { at: string }> } = {},
): { report: JourneyReport; state: JourneyState; advance: Advance } {
  const contract = { start: at(term.start), end: at(term.end) };
  const attrs = term.attrs ?? { csm: 'ada@example.com', manager: 'max@example.com', name: 'Acme' };
  let state = startJourney(ir, { customer: { id: 'c1', attrs }, contract, enrolledAt: term.enrolledAt === undefined ? contract.start : at(term.enrolledAt) });
  state = receiveEvents(ir, state, events);
  for (const close of options.closes ?? []) state = receiveTaskClose(ir, state, { ...close, at: at(close.at) });
  const until = options.until === undefined ? contract.end : at(options.until);
  const advance = advanceJourney(ir, state, until);
  return { report: journeyReport(ir, advance.state, until), state: advance.state, advance };
}

/** `YYYY-MM-DD[Thh:mm]` as the report writes it. */
export const iso = (s: string): string => new Date(at(s)).toISOString();
