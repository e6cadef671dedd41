/**
 * Explanations for `milepost explain` (and the dashboard): why a milestone is
 * in its state, why a risk was raised, why an action fired (or did not) —
 * the condition's source, every sub-expression's value at the instant that
 * mattered, and the events that counted.
 */
import type { Expr, PlaybookIR, Rule } from '../../dsl/ir/schema.ts';
import { evalTime, windowExit } from './calendar.ts';
import { compiledTraced, newContext, walkExpr, whereHolds } from './evaluator.ts';
import type { EvalValue } from './evaluator.ts';
import { formatInstant, parseInstant } from './instant.ts';
import { advanceJourney, cloneState } from './journey.ts';
import { milestoneStateAt } from './report.ts';
import { unparse } from './unparse.ts';
import type { Explanation, JourneyEvent, JourneyState, MilestoneInstanceState, Value } from './types.ts';

/** Options for {@link explain}. */
export interface ExplainOptions {
  /**
   * The journey as first started, with its events received and nothing
   * processed. With it, conditions are evaluated exactly at the instant that
   * mattered (a completion, a raise, a firing); without it, at the state's clock.
   */
  initial?: JourneyState;
  /** Every event of the journey, to list the ones that counted (state keeps only aggregates). */
  events?: readonly JourneyEvent[];
}

/** Thrown when the subject names nothing in the playbook. */
export class UnknownSubjectError extends Error {
  override name = 'UnknownSubjectError';
}

const iso = formatInstant;

/**
 * Explains a milestone (`<id>` or `<id>#<k>`), a risk (`<id>`) or an action
 * source (`milestone/<id>/step/<i>`, `milestone/<id>/on_done/<i>`,
 * `risk/<id>/<i>`, `trigger/<id>/<i>`) of the journey in `state`.
 *
 * @throws UnknownSubjectError when the subject names nothing in the playbook
 */
export function explain(ir: PlaybookIR, state: JourneyState, subject: string, options: ExplainOptions = {}): Explanation {
  const until = state.clock ?? state.contract.start;
  // Evaluating slides windows forward (it mutates): work on copies, never on the caller's state.
  const stateAt = (t: number): JourneyState => (options.initial === undefined ? cloneState(state) : advanceJourney(ir, options.initial, t).state);
  if (subject.includes('/')) return explainAction(ir, state, subject, until, stateAt, options);
  const inst = findInstance(ir, state, subject);
  if (inst !== undefined) return explainMilestone(ir, state, inst, until, stateAt, options);
  const ri = ir.risks.findIndex((r) => r.id === subject);
  if (ri >= 0) return explainRisk(ir, state, ri, until, stateAt, options, null);
  throw new UnknownSubjectError(`'${subject}' is not a milestone, risk or action source of playbook '${ir.playbook}'`);
}

function findInstance(ir: PlaybookIR, state: JourneyState, id: string): MilestoneInstanceState | undefined {
  const exact = state.milestones.find((i) => i.id === id);
  if (exact !== undefined) return exact;
  // A repeating milestone named without `#k`: the first instance not yet settled, else the last.
  const all = state.milestones.filter((i) => ir.milestones[i.m]?.id === id);
  return all.find((i) => i.completedAt === null && i.state !== 'skipped' && i.state !== 'missed') ?? all[all.length - 1];
}

/** Evaluates a rule at `at` in `s` with tracing; returns the condition block and the events. */
function traceRule(
  ir: PlaybookIR,
  s: JourneyState,
  rule: Rule,
  ev: (pb: ReturnType<typeof compiledTraced>) => ((c: ReturnType<typeof newContext>) => EvalValue) | null | undefined,
  at: number,
  inst: MilestoneInstanceState | null,
  options: ExplainOptions,
): Pick<Explanation, 'condition' | 'events'> {
  const pb = compiledTraced(ir);
  const evaluator = ev(pb);
  if (evaluator === null || evaluator === undefined) return { condition: null, events: [] };
  const c = newContext(s, at);
  c.inst = inst;
  c.trace = new Map();
  const value = evaluator(c) as Value | Value[];
  const parts: NonNullable<Explanation['condition']>['parts'] = [];
  const exprs: Expr[] = [rule.expr];
  if (usesHealth(rule.expr)) for (const h of ir.health?.components ?? []) exprs.push(h.score.expr);
  for (const root of exprs) {
    walkExpr(root, (node, depth) => {
      if (node.k === 'literal' || node.k === 'list') return;
      const seen = c.trace!.has(node.id);
      parts.push({ text: unparse(ir, node), value: seen ? (c.trace!.get(node.id) as Value) : null, depth: root === rule.expr ? depth : depth + 1, evaluated: seen });
    });
  }
  const events: Explanation['events'] = [];
  for (const root of exprs) {
    walkExpr(root, (node) => {
      if (node.k !== 'query') return;
      const cq = pb.queries[node.query];
      if (cq === undefined) return;
      const counted = (e: { at: number; data: Record<string, Value> }): boolean => {
        if (e.at > at) return false;
        if (cq.within !== null && windowExit(e.at, cq.within) <= at) return false;
        if (cq.since !== null) {
          const since = evalTime(cq.since, { start: s.contract.start, end: s.contract.end, opens: inst?.opensAt ?? null, due: inst?.dueAt ?? null });
          if (since === null || e.at < since) return false;
        }
        return whereHolds(cq, c, e.data);
      };
      const source = options.events ?? (s.buffers[cq.query.event] ?? []).map((b) => ({ at: b.at, type: cq.query.event, data: b.data }));
      const matching = source.filter((e) => e.type === cq.query.event && counted(e));
      // latest/days_since read only the most recent matching event.
      const shown = node.fn === 'latest' || node.fn === 'days_since' ? matching.slice(-1) : matching;
      for (const e of shown) events.push({ query: `${node.fn}(${cq.query.source})`, at: e.at, type: e.type, data: e.data });
    });
  }
  return { condition: { source: rule.source, value, parts }, events };
}

function usesHealth(e: Expr): boolean {
  let found = false;
  walkExpr(e, (n) => {
    if (n.k === 'ref' && (n.ref.kind === 'health' || n.ref.kind === 'health_component')) found = true;
  });
  return found;
}

function explainMilestone(
  ir: PlaybookIR,
  state: JourneyState,
  inst: MilestoneInstanceState,
  until: number,
  stateAt: (t: number) => JourneyState,
  options: ExplainOptions,
): Explanation {
  const m = ir.milestones[inst.m]!;
  const st = milestoneStateAt(inst, until);
  const shifted = m.repeat === null || inst.k === 1 ? '' : `, shifted by ${inst.k - 1} × ${m.repeat.amount} ${m.repeat.unit}(s)`;
  const notes = [
    `opens ${iso(inst.opensAt)} (${m.opens.source}${shifted}), due ${iso(inst.dueAt)} (${m.due.source}${shifted})`,
    `owner: ${m.owner}`,
  ];
  const subject = inst.id;
  if (st === 'skipped') {
    const s = stateAt(state.contract.start);
    const traced = traceRule(ir, s, m.appliesWhen!, (pb) => pb.appliesWhen[inst.m], state.contract.start, s.milestones.find((i) => i.id === inst.id) ?? inst, options);
    return { subject, kind: 'milestone', summary: `skipped: applies_when was not true at contract.start (${iso(state.contract.start)})`, at: state.contract.start, ...traced, notes };
  }
  const at = inst.completedAt !== null && inst.completedAt <= until ? inst.completedAt : Math.min(until, state.contract.end);
  const s = stateAt(at);
  const traced = traceRule(ir, s, m.doneWhen, (pb) => pb.doneWhen[inst.m], at, s.milestones.find((i) => i.id === inst.id) ?? inst, options);
  let summary: string;
  // Completed by hand: done_when did not decide it (its value then is still shown).
  const byHand = inst.manual === undefined ? '' : `: completed by hand by ${inst.manual.by} ("${inst.manual.note}")`;
  switch (st) {
    case 'done': summary = `done at ${iso(inst.completedAt!)}, on time (due ${iso(inst.dueAt)})${byHand || ': done_when first held then'}`; break;
    case 'late': summary = `late: completed at ${iso(inst.completedAt!)}, after its due ${iso(inst.dueAt)}${byHand}`; break;
    case 'missed': summary = `missed: the term closed at ${iso(inst.closedAt!)} without done_when holding`; break;
    case 'overdue': summary = `overdue since ${iso(inst.overdueAt!)}: done_when has not held since it opened`; break;
    case 'open': summary = `open since ${iso(inst.openedAt!)}: done_when has not held yet`; break;
    default: summary = `pending: opens ${iso(inst.opensAt)}`; break;
  }
  const fired = state.actions.filter((a) => a.source.startsWith(`milestone/${inst.id}/`)).map((a) => `${a.at} ${a.source} (${a.kind} to ${a.to})`);
  if (fired.length > 0) notes.push(`actions fired: ${fired.join('; ')}`);
  return { subject, kind: 'milestone', summary, at, ...traced, notes };
}

function explainRisk(
  ir: PlaybookIR,
  state: JourneyState,
  ri: number,
  until: number,
  stateAt: (t: number) => JourneyState,
  options: ExplainOptions,
  raisedAt: number | null,
): Explanation {
  const risk = ir.risks[ri]!;
  const rs = state.risks[ri]!;
  const raises = rs.raises.filter(([r]) => r <= until);
  const raise = raisedAt !== null ? raises.find(([r]) => r === raisedAt) : raises[raises.length - 1];
  const at = raise !== undefined ? raise[0] : Math.max(Math.min(until, state.contract.end), state.contract.start);
  const s = stateAt(at);
  const traced = traceRule(ir, s, risk.when, (pb) => pb.riskWhen[ri], at, null, options);
  const notes = raises.map(([r, cl]) => `raised ${iso(r)}${cl !== null && cl <= until ? `, cleared ${iso(cl)}` : ', not cleared'}`);
  if (risk.cooldown !== null) notes.push(`cooldown: ${risk.cooldown.amount} ${risk.cooldown.unit}(s) between firings`);
  const summary = raise === undefined
    ? `not raised: when has not turned true (evaluated at ${iso(at)})`
    : `raised at ${iso(raise[0])}${raise[1] !== null && raise[1] <= until ? `, cleared at ${iso(raise[1])}` : ''}: when turned true then`;
  return { subject: risk.id, kind: 'risk', summary, at, ...traced, notes };
}

function explainAction(
  ir: PlaybookIR,
  state: JourneyState,
  source: string,
  until: number,
  stateAt: (t: number) => JourneyState,
  options: ExplainOptions,
): Explanation {
  const parts = source.split('/');
  const fired = state.actions.filter((a) => a.source === source && parseInstant(a.at)! <= until);
  const firedNotes = fired.map((a) => `fired ${a.at}: ${a.kind} to ${a.to}${a.title !== undefined ? ` "${a.title}"` : ''}${a.message !== undefined ? ` "${a.message}"` : ''}`);
  const first = fired[0] !== undefined ? parseInstant(fired[0].at)! : null;
  const [kind, id, part, index] = parts;
  if (kind === 'milestone' && id !== undefined && (part === 'step' || part === 'on_done') && index !== undefined) {
    const inst = findInstance(ir, state, id);
    const m = inst === undefined ? undefined : ir.milestones[inst.m];
    const i = Number(index);
    if (inst !== undefined && m !== undefined && Number.isInteger(i) && i >= 0 && (part === 'step' ? i < m.steps.length : i < m.onDone.length)) {
      const base = explainMilestone(ir, state, inst, until, stateAt, options);
      if (part === 'on_done') {
        const summary = first !== null ? `fired at ${iso(first)}: ${inst.id} completed then (${base.summary})` : `did not fire: ${inst.id} is ${base.summary}`;
        return { ...base, subject: source, kind: 'action', summary, notes: [...firedNotes, ...base.notes] };
      }
      const stepAt = inst.steps[i]!;
      const why = first !== null
        ? `fired at ${iso(first)} (${m.steps[i]!.at.source}): ${inst.id} had opened and was not completed at that instant`
        : stepAt < inst.opensAt ? `did not fire: its instant ${iso(stepAt)} is before the milestone opens (${iso(inst.opensAt)})`
          : stepAt < state.enrolledAt ? `did not fire: its instant ${iso(stepAt)} is before enrolment (${iso(state.enrolledAt)})`
            : inst.completedAt !== null && inst.completedAt <= stepAt ? `did not fire: ${inst.id} completed at ${iso(inst.completedAt)}, before or at the step's instant ${iso(stepAt)}`
              : inst.state === 'skipped' ? `did not fire: ${inst.id} was skipped`
                : stepAt > until ? `not yet: its instant is ${iso(stepAt)}` : `did not fire: ${inst.id} was not open at ${iso(stepAt)}`;
      const at = first ?? Math.min(stepAt, until);
      const s = stateAt(at);
      const traced = traceRule(ir, s, m.doneWhen, (pb) => pb.doneWhen[inst.m], at, s.milestones.find((x) => x.id === inst.id) ?? inst, options);
      return { subject: source, kind: 'action', summary: why, at, ...traced, notes: [...firedNotes, `step ${i} at ${iso(stepAt)} (${m.steps[i]!.at.source})`, ...base.notes] };
    }
  }
  if (kind === 'risk' && id !== undefined && part !== undefined && index === undefined) {
    const index = part;
    const ri = ir.risks.findIndex((r) => r.id === id);
    if (ri >= 0 && Number(index) < ir.risks[ri]!.actions.length) {
      const base = explainRisk(ir, state, ri, until, stateAt, options, first);
      const summary = first !== null ? `fired at ${iso(first)}: risk ${id} was raised then` : `did not fire: ${base.summary}${ir.risks[ri]!.cooldown !== null ? ' (or every raise was within the cooldown)' : ''}`;
      return { ...base, subject: source, kind: 'action', summary, notes: [...firedNotes, ...base.notes] };
    }
  }
  if (kind === 'trigger' && id !== undefined && part !== undefined && index === undefined) {
    const index = part;
    const trigger = ir.triggers.find((t) => t.id === id);
    const query = trigger === undefined ? undefined : ir.queries[trigger.on];
    if (trigger !== undefined && query !== undefined && Number(index) < trigger.actions.length) {
      const notes = [...firedNotes, `on: ${query.source}`, `fires once per matching event at or after enrolment (${iso(state.enrolledAt)}) and before the term closes`];
      let condition: Explanation['condition'] = null;
      const events: Explanation['events'] = [];
      if (options.events !== undefined) {
        const pb = compiledTraced(ir);
        const cq = pb.queries[trigger.on]!;
        for (const e of options.events) {
          if (e.type !== query.event || e.at > until || e.at < state.enrolledAt) continue;
          const c = newContext(state, e.at);
          c.event = e.data;
          c.trace = new Map();
          const ok = cq.where === null || cq.where(c) === true;
          if (ok) events.push({ query: query.source, at: e.at, type: e.type, data: e.data });
          if (condition === null && cq.where !== null && query.where !== null && e.at === first) {
            const parts: NonNullable<Explanation['condition']>['parts'] = [];
            walkExpr(query.where, (node, depth) => {
              if (node.k === 'literal' || node.k === 'list') return;
              parts.push({ text: unparse(ir, node), value: (c.trace!.get(node.id) ?? null) as Value, depth, evaluated: c.trace!.has(node.id) });
            });
            condition = { source: query.source, value: ok, parts };
          }
        }
      }
      const summary = first !== null ? `fired ${fired.length} time(s), first at ${iso(first)}, for matching ${query.event} events` : `did not fire: no matching ${query.event} event at or after enrolment`;
      return { subject: source, kind: 'action', summary, at: first, condition, events, notes };
    }
  }
  throw new UnknownSubjectError(`'${source}' is not an action source of playbook '${ir.playbook}' (milestone/<id>/step/<i>, milestone/<id>/on_done/<i>, risk/<id>/<i>, trigger/<id>/<i>)`);
}
