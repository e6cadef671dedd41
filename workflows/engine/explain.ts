/**
 * Explanations for `milepost explain` (and the dashboard): why a milestone is
 * in its state, why a risk was raised, why an action fired (or did not) —
 * the condition's source, every sub-expression's value at the instant that
 * mattered, and the events that counted.
 */
import type { Action, Expr, PlaybookIR, Risk, Rule } from '../../dsl/ir/schema.ts';
import { evalTime, windowExit } from './calendar.ts';
import type { EvalValue } from './compiled-playbook.ts';
import { compiledTraced, newContext } from './evaluator.ts';
import { walkExpr } from './expression-reads.ts';
import { whereHolds } from './query-match.ts';
import { formatInstant, parseInstant } from './instant.ts';
import { actionAt } from './firing.ts';
import { advanceJourney, cloneState } from './journey.ts';
import { isV2 } from './language.ts';
import { milestoneStateAt } from './report.ts';
import { unparse } from './unparse.ts';
import type { Explanation, JourneyEvent, JourneyState, MilestoneInstanceState, TaskState, Value } from './types.ts';

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
  // (v2) a task, by its id `<source>@<opened_at>[#n]`
  const task = state.tasks?.find((t) => t.id === subject);
  if (task !== undefined) return explainTask(ir, state, task, until, stateAt, options);
  if (subject.includes('/')) return explainAction(ir, state, subject, until, stateAt, options);
  const inst = findInstance(ir, state, subject);
  if (inst !== undefined) return explainMilestone(ir, state, inst, until, stateAt, options);
  const ri = signals(ir).findIndex((r) => r.id === subject);
  if (ri >= 0) return explainRisk(ir, state, ri, until, stateAt, options, null);
  throw new UnknownSubjectError(`'${subject}' is not a milestone, risk${isV2(ir) ? ', opportunity, task' : ''} or action source of playbook '${ir.playbook}'`);
}

/** Risks, then (v2) opportunities, indexed as the compiled playbook's `riskWhen`. */
function signals(ir: PlaybookIR): Risk[] {
  return isV2(ir) ? [...ir.risks, ...(ir.opportunities ?? [])] : ir.risks;
}

const REASONS: Record<string, string> = {
  done: 'closed by a person',
  milestone_completed: 'the milestone it belongs to completed',
  milestone_missed: 'the milestone it belongs to was missed',
  risk_cleared: 'the risk or opportunity that opened it cleared',
  term_closed: 'the term closed while it was open',
};

/** (v2) Why a task is open, overdue or closed, and what its overdue actions did. */
function explainTask(
  ir: PlaybookIR, state: JourneyState, task: TaskState, until: number, stateAt: (t: number) => JourneyState, options: ExplainOptions,
): Explanation {
  const closed = task.closedAt !== null && task.closedAt <= until;
  const notes = [`opened ${iso(task.openedAt)} by ${task.source}, assigned to ${task.to}, due ${iso(task.dueAt)} (priority ${task.priority})`];
  if (task.owner === null) notes.push('closes only when a person closes it or the term closes (auto_close: false, or opened by a trigger, on_done or an overdue action)');
  else notes.push(`also closes when ${task.owner.kind} ${task.owner.id} ${task.owner.kind === 'milestone' ? 'completes or is missed' : 'clears'}`);
  const action = actionAt(ir, task.source);
  const overdue = action !== null && action.kind === 'open_task' ? action.overdue ?? [] : [];
  const fired = state.actions.filter((a) => a.source.startsWith(`${task.source}/overdue/`) && a.at === iso(task.dueAt) && parseInstant(a.at)! <= until);
  if (overdue.length > 0) {
    notes.push(fired.length > 0
      ? `overdue actions fired at ${iso(task.dueAt)}: ${fired.map((a) => `${a.source} (${a.kind} to ${a.to})`).join('; ')}`
      : task.dueAt > until ? `overdue actions fire at ${iso(task.dueAt)} if it is still open then`
        : `no overdue action fired: ${closed && task.closedAt! <= task.dueAt ? `it closed at ${iso(task.closedAt!)}, not after its due instant` : 'their when did not hold, or it was opened before enrolment'}`);
  }
  let summary: string;
  if (closed) {
    const who = task.closedBecause === 'done' && task.by !== undefined ? ` (${task.by}${task.note !== undefined ? `: "${task.note}"` : ''})` : '';
    summary = `closed at ${iso(task.closedAt!)}: ${task.closedBecause} — ${REASONS[task.closedBecause!] ?? ''}${who}`;
  } else if (task.dueAt <= until) summary = `overdue since ${iso(task.dueAt)}: still open`;
  else summary = `open since ${iso(task.openedAt)}, due ${iso(task.dueAt)}`;
  // The milestone it belongs to: its done_when at the instant the task closed (or now).
  let traced: Pick<Explanation, 'condition' | 'events'> = { condition: null, events: [] };
  if (task.owner !== null && task.owner.kind === 'milestone') {
    const inst = state.milestones.find((i) => i.id === task.owner!.id);
    if (inst !== undefined) {
      const at = closed ? task.closedAt! : Math.min(until, state.contract.end);
      const s = stateAt(at);
      traced = traceRule(ir, s, ir.milestones[inst.m]!.doneWhen, (pb) => pb.doneWhen[inst.m], at, s.milestones.find((i) => i.id === inst.id) ?? inst, options);
    }
  }
  return { subject: task.id, kind: 'task', summary, at: closed ? task.closedAt : null, ...traced, notes };
}

/** (v2) A note on an action's `when`, if it has one. */
function whenNote(action: Action | null): string[] {
  return action?.when === undefined || action.when === null ? [] : [`when: ${action.when.source} (judged at the instant it would fire; when false it does not fire, and is not listed)`];
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
    case 'missed': summary = inst.closesAt !== undefined && inst.closedAt === inst.closesAt
      ? `missed: not completed by its closes instant ${iso(inst.closesAt)} (${m.closes !== undefined && m.closes !== null ? `closes: ${m.closes.source}` : "the next instance's opens"})`
      : `missed: the term closed at ${iso(inst.closedAt!)} without done_when holding`; break;
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
  const risk = signals(ir)[ri]!;
  const opportunity = ri >= ir.risks.length;
  const rs = opportunity ? state.opportunities![ri - ir.risks.length]! : state.risks[ri]!;
  const raises = rs.raises.filter(([r]) => r <= until);
  const raise = raisedAt !== null ? raises.find(([r]) => r === raisedAt) : raises[raises.length - 1];
  const at = raise !== undefined ? raise[0] : Math.max(Math.min(until, state.contract.end), state.contract.start);
  const s = stateAt(at);
  const traced = traceRule(ir, s, risk.when, (pb) => pb.riskWhen[ri], at, null, options);
  const notes = raises.map(([r, cl]) => `raised ${iso(r)}${cl !== null && cl <= until ? `, cleared ${iso(cl)}` : ', not cleared'}`);
  if (risk.cooldown !== null) notes.push(`cooldown: ${risk.cooldown.amount} ${risk.cooldown.unit}(s) between firings`);
  if (isV2(ir) && risk.from !== undefined && risk.from !== null) {
    const from = evalTime(risk.from, { start: state.contract.start, end: state.contract.end, opens: null, due: null });
    if (from !== null) notes.push(`from: ${risk.from.source} = ${iso(from)}: before it, when counts as false (a grace period)`);
  }
  for (const a of risk.actions) notes.push(...whenNote(a));
  const summary = raise === undefined
    ? `not raised: when has not turned true (evaluated at ${iso(at)})`
    : `raised at ${iso(raise[0])}${raise[1] !== null && raise[1] <= until ? `, cleared at ${iso(raise[1])}` : ''}: when turned true then`;
  return { subject: risk.id, kind: opportunity ? 'opportunity' : 'risk', summary, at, ...traced, notes };
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
  // (v2) an overdue action of a task: `<task source>/overdue/<j>`
  const overdue = isV2(ir) ? /^(.*)\/overdue\/(\d+)$/.exec(source) : null;
  if (overdue !== null && actionAt(ir, source) !== null) {
    const tasks = (state.tasks ?? []).filter((t) => t.source === overdue[1] && t.openedAt <= until);
    const notes = [...firedNotes, ...whenNote(actionAt(ir, source)), ...tasks.map((t) => {
      const closedFirst = t.closedAt !== null && t.closedAt <= t.dueAt;
      return `task ${t.id}: due ${iso(t.dueAt)}${closedFirst ? `, closed ${iso(t.closedAt!)} (${t.closedBecause}) before then: not overdue` : t.dueAt > until ? ', not due yet' : ', still open at its due instant'}`;
    })];
    const summary = first !== null ? `fired ${fired.length} time(s), first at ${iso(first)}: a task of ${overdue[1]} was still open at its due instant`
      : `did not fire: no task of ${overdue[1]} was still open at its due instant${tasks.length === 0 ? ' (none opened)' : ''}`;
    return { subject: source, kind: 'action', summary, at: first, condition: null, events: [], notes };
  }
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
      const when = m.steps[i]!.action.when;
      const heldBack = isV2(ir) && when !== undefined && when !== null && first === null && stepAt >= inst.opensAt && stepAt >= state.enrolledAt && stepAt <= until
        && (inst.completedAt === null || inst.completedAt > stepAt) && (inst.closedAt === null || inst.closedAt > stepAt) && inst.state !== 'skipped';
      const why = heldBack ? `did not fire: its when (${when.source}) was not true at its instant ${iso(stepAt)}`
        : first !== null
        ? `fired at ${iso(first)} (${m.steps[i]!.at.source}): ${inst.id} had opened and was not completed at that instant`
        : stepAt < inst.opensAt ? `did not fire: its instant ${iso(stepAt)} is before the milestone opens (${iso(inst.opensAt)})`
          : stepAt < state.enrolledAt ? `did not fire: its instant ${iso(stepAt)} is before enrolment (${iso(state.enrolledAt)})`
            : inst.completedAt !== null && inst.completedAt <= stepAt ? `did not fire: ${inst.id} completed at ${iso(inst.completedAt)}, before or at the step's instant ${iso(stepAt)}`
              : inst.state === 'skipped' ? `did not fire: ${inst.id} was skipped`
                : stepAt > until ? `not yet: its instant is ${iso(stepAt)}` : `did not fire: ${inst.id} was not open at ${iso(stepAt)}`;
      const at = first ?? Math.min(stepAt, until);
      const s = stateAt(at);
      const traced = traceRule(ir, s, m.doneWhen, (pb) => pb.doneWhen[inst.m], at, s.milestones.find((x) => x.id === inst.id) ?? inst, options);
      const whenTraced = heldBack ? traceRule(ir, s, when, (pb) => pb.actionWhen.get(m.steps[i]!.action), at, s.milestones.find((x) => x.id === inst.id) ?? inst, options) : traced;
      return { subject: source, kind: 'action', summary: why, at, ...whenTraced, notes: [...firedNotes, `step ${i} at ${iso(stepAt)} (${m.steps[i]!.at.source})`, ...whenNote(m.steps[i]!.action), ...base.notes] };
    }
  }
  if ((kind === 'risk' || (kind === 'opportunity' && isV2(ir))) && id !== undefined && part !== undefined && index === undefined) {
    const index = part;
    const all = signals(ir);
    const ri = all.findIndex((r, j) => r.id === id && (j >= ir.risks.length) === (kind === 'opportunity'));
    if (ri >= 0 && Number(index) < all[ri]!.actions.length) {
      const base = explainRisk(ir, state, ri, until, stateAt, options, first);
      const held = all[ri]!.actions[Number(index)]!.when;
      const summary = first !== null ? `fired at ${iso(first)}: ${kind} ${id} was raised then`
        : `did not fire: ${base.summary}${all[ri]!.cooldown !== null ? ' (or every raise was within the cooldown)' : ''}${held !== undefined && held !== null ? ` (or its when, ${held.source}, was not true at a raise)` : ''}`;
      return { ...base, subject: source, kind: 'action', summary, notes: [...firedNotes, ...base.notes] };
    }
  }
  if (kind === 'trigger' && id !== undefined && part !== undefined && index === undefined) {
    const index = part;
    const trigger = ir.triggers.find((t) => t.id === id);
    const query = trigger === undefined ? undefined : ir.queries[trigger.on];
    if (trigger !== undefined && query !== undefined && Number(index) < trigger.actions.length) {
      const notes = [...firedNotes, `on: ${query.source}`, `fires once per matching event at or after enrolment (${iso(state.enrolledAt)}) and before the term closes`, ...whenNote(trigger.actions[Number(index)] ?? null)];
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
  throw new UnknownSubjectError(`'${source}' is not an action source of playbook '${ir.playbook}' (milestone/<id>/step/<i>, milestone/<id>/on_done/<i>, risk/<id>/<i>, ${isV2(ir) ? 'opportunity/<id>/<i>, ' : ''}trigger/<id>/<i>${isV2(ir) ? ', <source>/overdue/<j>' : ''})`);
}
