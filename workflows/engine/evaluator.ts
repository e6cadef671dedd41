/**
 * A playbook's evaluators: every rule of the IR (`applies_to`, `applies_when`,
 * `done_when`, risk and opportunity `when`, action `when`, health scores,
 * query `where`) compiled once into closures (expression.ts) and cached per IR
 * object, with the tables the journey engine looks events up in (queries and
 * their buffers by event type, what each rule reads by event type), and the
 * context those closures run in.
 *
 * The compiled playbook's shape is in compiled-playbook.ts; how an expression
 * becomes a closure, in expression.ts; health, in health.ts; when a condition
 * next flips, in lookahead.ts.
 */
import type { Action, Duration, Expr, PlaybookIR, Risk, Rule } from '../../dsl/ir/schema.ts';
import { DAY_MS } from './calendar.ts';
import type { CompiledPlaybook, CompiledQuery, EvalContext, EvalValue, Evaluator, EventTypeInfo } from './compiled-playbook.ts';
import { expressionCompiler } from './expression.ts';
import { eventReads, fieldRefs, readsHealth, walkExpr } from './expression-reads.ts';
import { healthOf } from './health.ts';
import type { HealthScoring } from './health.ts';
import { internalize } from './interned-names.ts';
import { addTypes, typeSet } from './type-set.ts';
import type { TypeSet } from './type-set.ts';
import type { JourneyState } from './types.ts';

const hot = new WeakMap<PlaybookIR, CompiledPlaybook>();
const traced = new WeakMap<PlaybookIR, CompiledPlaybook>();

/** The playbook's evaluators, compiled on first use and cached per IR object. */
export function compiled(ir: PlaybookIR): CompiledPlaybook {
  let pb = hot.get(ir);
  if (pb === undefined) {
    pb = compilePlaybookRules(ir, false);
    hot.set(ir, pb);
  }
  return pb;
}

/** Like {@link compiled}, with every node recording its value in `ctx.trace` (for `explain`). */
export function compiledTraced(ir: PlaybookIR): CompiledPlaybook {
  let pb = traced.get(ir);
  if (pb === undefined) {
    pb = compilePlaybookRules(ir, true);
    traced.set(ir, pb);
  }
  return pb;
}

/** A fresh evaluation context for instant `now`. */
export function newContext(state: JourneyState, now: number): EvalContext {
  return { now, wake: Infinity, state, inst: null, event: null, trace: null, peek: false, components: null, changedAt: null, healthAt: NaN, health: null, flipWake: null, slots: null, ahead: { n: 0, vn: 0, sum: 0, i: 0 } };
}

/** `true` only for the boolean `true` (null and everything else count as false). */
export function truthy(v: EvalValue): boolean {
  return v === true;
}

/** Evaluates `ev` with a fresh wake; returns the value and its wake (null: none). */
export function evaluate(ev: Evaluator, c: EvalContext): { value: EvalValue; wake: number | null } {
  const saved = c.wake;
  c.wake = Infinity;
  const value = ev(c);
  const wake = c.wake;
  c.wake = Math.min(saved, wake);
  return { value, wake: wake === Infinity ? null : wake };
}

/** Compiles every rule of a playbook. */
function compilePlaybookRules(ir: PlaybookIR, trace: boolean): CompiledPlaybook {
  const healthIndex = new Map((ir.health?.components ?? []).map((h, i) => [h.id, i] as const));

  // Health and its components: computed once per instant, shared by every rule
  // (its scores and dependencies are filled in below, once compiled).
  const scoring: HealthScoring = { weights: (ir.health?.components ?? []).map((h) => h.weight), scores: [], deps: [] };
  const health = healthOf(scoring);

  // Queries first: rules refer to them by index.
  const queries: CompiledQuery[] = [];
  const expressions = expressionCompiler({ queries, health, healthIndex, trace });
  const compileExpr = expressions.compile;
  const compileRule = (rule: Rule): Evaluator => compileExpr(rule.expr);
  ir.queries.forEach((q, index) => {
    const within = q.window?.kind === 'within' ? q.window.duration : null;
    const since = q.window?.kind === 'since' ? q.window.time : null;
    queries.push({
      index,
      query: q,
      where: null,
      within,
      since,
      perInstance: since !== null && (since.anchor === 'opens' || since.anchor === 'due'),
      fnsUsed: new Set(),
      distinct: false,
      key: String(index),
      typeIndex: -1,
      event: internalize(q.event),
      field: q.field === null ? null : internalize(q.field),
      withinMs: within === null ? null : exactMs(within),
    });
  });
  const noteFns = (e: Expr) => walkExpr(e, (n) => {
    if (n.k === 'query') queries[n.query]?.fnsUsed.add(n.fn);
  });
  for (const m of ir.milestones) {
    noteFns(m.doneWhen.expr);
    if (m.appliesWhen !== null) noteFns(m.appliesWhen.expr);
  }
  const signals: Risk[] = [...ir.risks, ...(ir.opportunities ?? [])];
  for (const r of signals) noteFns(r.when.expr);
  const actions = allActions(ir);
  for (const a of actions) if (a.when !== undefined && a.when !== null) noteFns(a.when.expr);
  for (const h of ir.health?.components ?? []) noteFns(h.score.expr);
  if (ir.appliesTo !== null) noteFns(ir.appliesTo.expr);
  for (const cq of queries) {
    cq.where = cq.query.where === null ? null : compileExpr(cq.query.where);
    cq.distinct = cq.fnsUsed.has('count_distinct');
  }

  const aggregatingByType = new Map<string, CompiledQuery[]>();
  const windowQueriesByType = new Map<string, CompiledQuery[]>();
  const bufferFieldsByType = new Map<string, string[]>();
  for (const cq of queries) {
    const type = cq.query.event;
    if (cq.within === null) {
      push(aggregatingByType, type, cq);
      continue;
    }
    push(windowQueriesByType, type, cq);
    const fields = bufferFieldsByType.get(type) ?? [];
    if (cq.query.field !== null && !fields.includes(cq.query.field)) fields.push(cq.query.field);
    if (cq.query.where !== null) for (const f of fieldRefs(cq.query.where)) if (!fields.includes(f)) fields.push(f);
    bufferFieldsByType.set(type, fields);
  }

  const types: Record<string, EventTypeInfo> = Object.create(null) as Record<string, EventTypeInfo>;
  const typeList: EventTypeInfo[] = [];
  for (const type of new Set([...Object.keys(ir.events), ...queries.map((cq) => cq.query.event)])) {
    typeList.push(types[type] = {
      type: internalize(type),
      index: typeList.length,
      aggregating: aggregatingByType.get(type) ?? [],
      windowQueries: windowQueriesByType.get(type) ?? [],
      bufferFields: (bufferFieldsByType.get(type) ?? []).map(internalize),
    });
  }
  for (const cq of queries) cq.typeIndex = types[cq.query.event]!.index;
  // What each rule reads, by event type; reading health reads what every component reads.
  const reads = (e: Expr, healthReads: TypeSet | null): TypeSet => eventReads(ir, e, types, healthReads, typeSet(typeList.length));
  scoring.deps = (ir.health?.components ?? []).map((h) => reads(h.score.expr, null));
  const healthReads = typeSet(typeList.length);
  for (const deps of scoring.deps) addTypes(healthReads, deps);
  const pb: CompiledPlaybook = {
    types,
    queries,
    aggregatingByType,
    windowQueriesByType,
    bufferFieldsByType,
    appliesTo: ir.appliesTo === null ? null : compileRule(ir.appliesTo),
    appliesWhen: ir.milestones.map((m) => (m.appliesWhen === null ? null : compileRule(m.appliesWhen))),
    doneWhen: ir.milestones.map((m) => compileRule(m.doneWhen)),
    riskWhen: signals.map((r) => compileRule(r.when)),
    actionWhen: new Map(),
    doneWhenReadsHealth: ir.milestones.map((m) => readsHealth(m.doneWhen.expr)),
    riskReadsHealth: signals.map((r) => readsHealth(r.when.expr)),
    doneWhenReads: ir.milestones.map((m) => reads(m.doneWhen.expr, healthReads)),
    riskReads: signals.map((r) => reads(r.when.expr, healthReads)),
    typeList,
    healthScores: (ir.health?.components ?? []).map((h) => compileRule(h.score)),
    health,
    nodes: 0,
  };
  scoring.scores = pb.healthScores;
  for (const a of actions) if (a.when !== undefined && a.when !== null) pb.actionWhen.set(a, compileRule(a.when));
  pb.nodes = expressions.nodes;
  return pb;
}

/** Every action of a playbook, overdue actions included (v2), in no particular order. */
export function allActions(ir: PlaybookIR): Action[] {
  const out: Action[] = [];
  const visit = (a: Action): void => {
    out.push(a);
    if (a.kind === 'open_task' && a.overdue !== undefined) for (const o of a.overdue) visit(o);
  };
  for (const m of ir.milestones) {
    for (const step of m.steps) visit(step.action);
    for (const a of m.onDone) visit(a);
  }
  for (const r of ir.risks) for (const a of r.actions) visit(a);
  for (const r of ir.opportunities ?? []) for (const a of r.actions) visit(a);
  for (const t of ir.triggers) for (const a of t.actions) visit(a);
  return out;
}

const UNIT_MS: Record<string, number> = { hour: 3_600_000, day: DAY_MS, week: 7 * DAY_MS };
function exactMs(d: Duration): number | null {
  const ms = UNIT_MS[d.unit];
  return ms === undefined ? null : ms * d.amount;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
