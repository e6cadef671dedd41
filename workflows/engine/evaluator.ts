/**
 * The expression evaluator (reference §4): each IR expression is compiled once into
 * a closure, cached per IR object, so an instant's re-evaluation is a few
 * function calls rather than a tree walk with a `switch` per node.
 *
 * Besides its value, an evaluation reports the next instant at which the value
 * can change without a new event (`ctx.wake`): an event leaving a `within`
 * window (at `at + d`), or a `days_since` value crossing the threshold it is
 * compared with (or, when it is not compared with a constant, its next whole
 * day). Short-circuiting is sound for this: a part that was not evaluated
 * cannot change the value before the evaluated parts do.
 *
 * Null semantics: arithmetic with `null` is `null`; division by zero is
 * `null`; a comparison with a `null` operand is `false` (`is null` / `is not
 * null` aside); `not null` is `true`; `and` / `or` count `null` as `false`.
 */
import type { Action, Duration, Expr, PlaybookIR, Query, QueryFn, Risk, Rule, TimeExpr } from '../../dsl/ir/schema.ts';
import { addDuration, assertNever, DAY_MS, evalTime } from './calendar.ts';
import type { JourneyState, MilestoneInstanceState, QueryAggregate, Value } from './types.ts';
import { windowCount, windowDistinct, windowHappened, windowSumValue, windowValues } from './window.ts';
import type { TypeSlot } from './window.ts';

/** A value during evaluation: a scalar, or a list literal's items (`in [..]`). */
export type EvalValue = Value | Value[];

/** What one evaluation reads and reports. Reused across evaluations of one instant. */
export interface EvalContext {
  now: number;
  /** the next instant the evaluated value can change; `Infinity` for none */
  wake: number;
  state: JourneyState;
  /** the milestone instance for `opens`/`due` and per-instance queries */
  inst: MilestoneInstanceState | null;
  /** the event whose fields `where` reads */
  event: Record<string, Value> | null;
  /** explain mode: every node's value by node id */
  trace: Map<number, EvalValue> | null;
  /**
   * Look-ahead mode: evaluate at a future `now` without changing the state
   * (windows are scanned, not slid), assuming no new event until then.
   */
  peek: boolean;
  /**
   * Across the instants of one advance: each health component's last score,
   * its wake, and when it was computed; reused while no event of a type it
   * reads has arrived since and its wake has not come (null: no reuse).
   */
  components: Array<{ value: Value; wake: number; at: number } | undefined> | null;
  /** per event type (by {@link EventTypeInfo.index}), the last instant an event of it became visible (for `components`) */
  changedAt: number[] | null;
  /** health and its components, cached for `now` */
  healthAt: number;
  health: { value: Value; wake: number; components: Array<{ value: Value; wake: number }> } | null;
  /** what {@link evaluateUntilFlip} found: the next instant the condition may flip (null: none) */
  flipWake: number | null;
  /** within one advance: the `within` buffers by event type index, mirroring the state's (null: read the state's records) */
  slots: TypeSlot[] | null;
}

export type Evaluator = (c: EvalContext) => EvalValue;

/** A compiled event query. */
export interface CompiledQuery {
  index: number;
  query: Query;
  where: Evaluator | null;
  within: Duration | null;
  since: TimeExpr | null;
  /** `since opens`/`since due`: one aggregate per milestone instance */
  perInstance: boolean;
  /** the functions applied to this query anywhere in the playbook */
  fnsUsed: Set<QueryFn>;
  /** (v2) is it read by `count_distinct`: its aggregates keep the distinct values */
  distinct: boolean;
  /** `String(index)`: its key in the state's records */
  key: string;
  /** its event type's {@link EventTypeInfo.index} */
  typeIndex: number;
  /** `query.event` and `query.field`, internalised (see {@link internalize}) */
  event: string;
  field: string | null;
  /** the `within` duration in ms when it is exact (hours, days, weeks); null for months/years */
  withinMs: number | null;
}

/** What the engine needs per event type when an event becomes visible. */
export interface EventTypeInfo {
  /** the type's name, internalised */
  type: string;
  /** its position in {@link CompiledPlaybook.typeList} */
  index: number;
  aggregating: CompiledQuery[];
  windowQueries: CompiledQuery[];
  bufferFields: string[];
}

/** A playbook's compiled evaluators. */
export interface CompiledPlaybook {
  queries: CompiledQuery[];
  /** aggregating queries (no `within`) by event type */
  aggregatingByType: Map<string, CompiledQuery[]>;
  /** `within` queries by event type (they share the type's buffer) */
  windowQueriesByType: Map<string, CompiledQuery[]>;
  /** per event type, the fields `within` queries read (what a buffered event keeps) */
  bufferFieldsByType: Map<string, string[]>;
  /**
   * The same per event type, in a null-prototype record: the hot path looks a
   * type up once per event here (V8's optimising compilers deoptimise over and
   * over on `Map#get` with changing string keys).
   */
  types: Record<string, EventTypeInfo>;
  appliesTo: Evaluator | null;
  appliesWhen: Array<Evaluator | null>;
  doneWhen: Evaluator[];
  /** event types each milestone's `done_when` depends on (health included) */
  doneWhenDeps: Array<Set<string>>;
  /** risks, then (v2) opportunities: one list of signals, opportunity `j` at index `risks.length + j` */
  riskWhen: Evaluator[];
  riskDeps: Array<Set<string>>;
  /** (v2) each action's `when`, by the action object (absent: always fires) */
  actionWhen: Map<Action, Evaluator>;
  /** does each milestone's `done_when` / each risk's `when` read `health` or a component */
  doneWhenReadsHealth: boolean[];
  riskReadsHealth: boolean[];
  /** the same dependencies as flags by event type index (`doneWhenDeps`, `riskDeps`) */
  doneWhenReads: Uint8Array[];
  riskReads: Uint8Array[];
  /**
   * The same as bit masks (bit i: event type i), when the playbook has at most
   * {@link MASK_TYPES} event types; null otherwise.
   */
  doneWhenMasks: number[] | null;
  riskMasks: number[] | null;
  /** every event type the playbook knows, by index */
  typeList: EventTypeInfo[];
  healthScores: Evaluator[];
  /** `health` and its clamped components at `c.now` (cached per instant; does not touch `c.wake`) */
  health: (c: EvalContext) => NonNullable<EvalContext['health']>;
  /** how many closures were built (for the benchmark's figures) */
  nodes: number;
}

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
  return { now, wake: Infinity, state, inst: null, event: null, trace: null, peek: false, components: null, changedAt: null, healthAt: NaN, health: null, flipWake: null, slots: null };
}

/** `true` only for the boolean `true` (null and everything else count as false). */
export function truthy(v: EvalValue): boolean {
  return v === true;
}

/** Event types beyond this many have no bit masks ({@link CompiledPlaybook.riskMasks}). */
export const MASK_TYPES = 31;

/** How many future change points {@link evaluateUntilFlip} probes before settling for a wake-up. */
export const LOOKAHEAD_STEPS = 16;

/**
 * Evaluates a condition at `c.now` and finds the first later instant at which
 * its truth value flips, assuming no new event arrives: each change point of
 * its inputs (a window exit, a `days_since` threshold) is probed in look-ahead
 * mode until the value differs. The journey then wakes only when something
 * happens, not at every change point of every input. Probing stops past
 * `horizon` (the caller knows it re-evaluates by then) or after
 * {@link LOOKAHEAD_STEPS}; the wake returned is then the change point where
 * it stopped, where the search resumes. Returns the value; that instant
 * (null: nothing changes with time alone) is left in `probe.flipWake`.
 */
export function evaluateUntilFlip(ev: Evaluator, c: EvalContext, probe: EvalContext, horizon: number, readsHealth = true): boolean {
  const saved = c.wake;
  c.wake = Infinity;
  const value = ev(c) === true;
  let wake = c.wake;
  if (wake > saved) c.wake = saved;
  if (wake === Infinity || wake > horizon) {
    probe.flipWake = wake === Infinity ? null : wake;
    return value;
  }
  probe.state = c.state;
  probe.inst = c.inst;
  probe.peek = true;
  // Health components scored at `c.now` stay valid until their own wakes; the
  // probe's component cache is overwritten in place (`at: Infinity`: not valid).
  // A condition that does not read health leaves it alone (the next that does sets it).
  if (!readsHealth) return probeFlip(ev, probe, horizon, value, wake);
  let cache = probe.components;
  if (cache === null) cache = probe.components = [];
  const health = c.health !== null && c.healthAt === c.now ? c.health.components : null;
  const n = health === null ? cache.length : health.length;
  for (let i = 0; i < n; i++) {
    const slot = cache[i];
    const h = health === null ? null : health[i]!;
    if (slot === undefined) {
      if (h !== null) cache[i] = { value: h.value, wake: h.wake, at: c.now };
    } else if (h === null) slot.at = Infinity;
    else {
      slot.value = h.value;
      slot.wake = h.wake;
      slot.at = c.now;
    }
  }
  for (let i = n; i < cache.length; i++) {
    const slot = cache[i];
    if (slot !== undefined) slot.at = Infinity;
  }
  return probeFlip(ev, probe, horizon, value, wake);
}

/** The look-ahead loop of {@link evaluateUntilFlip}, from change point `wake` on. */
function probeFlip(ev: Evaluator, probe: EvalContext, horizon: number, value: boolean, wake: number): boolean {
  for (let step = 0; wake !== Infinity && wake <= horizon && step < LOOKAHEAD_STEPS; step++) {
    probe.now = wake;
    probe.wake = Infinity;
    probe.healthAt = NaN;
    if ((ev(probe) === true) !== value) break;
    wake = probe.wake;
  }
  probe.flipWake = wake === Infinity ? null : wake;
  return value;
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

/** Does an event's data satisfy a query's `where` (always, without one)? */
export function whereHolds(cq: CompiledQuery, c: EvalContext, data: Record<string, Value>): boolean {
  if (cq.where === null) return true;
  const saved = c.event;
  c.event = data;
  const ok = cq.where(c) === true;
  c.event = saved;
  return ok;
}

/** An empty aggregate. */
export function emptyAggregate(distinct = false): QueryAggregate {
  const agg: QueryAggregate = { n: 0, vn: 0, sum: 0, min: null, max: null, latest: null, latestAt: null };
  if (distinct) agg.distinct = [];
  return agg;
}

/** Adds one matching event to an aggregate (events arrive in time order, ties by arrival). */
export function addToAggregate(agg: QueryAggregate, at: number, value: Value): void {
  agg.n += 1;
  if (typeof value === 'number') {
    agg.vn += 1;
    agg.sum += value;
    agg.min = agg.min === null || value < agg.min ? value : agg.min;
    agg.max = agg.max === null || value > agg.max ? value : agg.max;
  }
  // A new value replaces the list rather than growing it: states share aggregates' parts (cloneState copies shallowly).
  const distinct = agg.distinct;
  if (distinct !== undefined && value !== null && !distinct.includes(value)) agg.distinct = [...distinct, value];
  // `>=`: a later arrival at an equal instant is the more recent one.
  if (agg.latestAt === null || at >= agg.latestAt) {
    agg.latestAt = at;
    agg.latest = value;
  }
}

/** The value of a query function over an aggregate. */
export function aggregateValue(fn: QueryFn, agg: QueryAggregate, now: number): Value {
  switch (fn) {
    case 'happened': return agg.n > 0;
    case 'count': return agg.n;
    case 'sum': return agg.vn === 0 ? null : agg.sum;
    case 'avg': return agg.vn === 0 ? null : agg.sum / agg.vn;
    case 'min': return agg.min;
    case 'max': return agg.max;
    case 'latest': return agg.latestAt === null ? null : agg.latest;
    case 'days_since': return agg.latestAt === null ? null : Math.floor((now - agg.latestAt) / DAY_MS);
    case 'count_distinct': return agg.distinct?.length ?? 0;
    default: return assertNever(fn);
  }
}

/**
 * The aggregate of a query at `c.now`: from the `within` buffer (recording the
 * next window exit of a counted event in `c.wake`), or the running aggregate.
 */
export function queryAggregate(cq: CompiledQuery, c: EvalContext, fn: QueryFn): QueryAggregate {
  if (cq.within !== null) return windowValues(c.state, c, cq, fn);
  const key = cq.index;
  const agg = cq.perInstance ? c.inst?.aggs?.[key] : c.state.aggs[key];
  return agg ?? EMPTY;
}

const EMPTY: QueryAggregate = Object.freeze(emptyAggregate()) as QueryAggregate;

/** The next whole-day count after `n` at which `cmp(count, k)` differs from `cmp(n, k)`; null when never. */
function nextCrossing(n: number, k: number, cmp: (a: number, b: number) => boolean): number | null {
  const now = cmp(n, k);
  const candidates = [n + 1, Math.floor(k), Math.floor(k) + 1, Math.ceil(k), Math.ceil(k) + 1]
    .filter((x) => x > n)
    .sort((a, b) => a - b);
  for (const x of candidates) if (cmp(x, k) !== now) return x;
  return null;
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};
const FLIPPED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

function compare(op: string, a: EvalValue, b: EvalValue): boolean {
  if (a === null || b === null || Array.isArray(a) || Array.isArray(b)) return false;
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    default: throw new Error(`not a comparison: ${op}`);
  }
}

function num(v: EvalValue): number | null {
  return typeof v === 'number' ? v : null;
}

/** Rounds half away from zero (2.5 → 3, −2.5 → −3), as people round. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * A comparison with a constant operand (not null), or an ordering comparison,
 * as one closure without a call per operand or per operator: the values of
 * {@link compare}, with the same operands evaluated (so the same wakes). Null
 * for `==` / `!=` without a constant operand (the caller's general form).
 */
function specialComparison(op: string, left: Evaluator, right: Evaluator, lk: Value | undefined, rk: Value | undefined): Evaluator | null {
  if (op === '==' || op === '!=') {
    // `compare`: false with a null or list operand, else strict (in)equality.
    if (rk !== undefined && rk !== null) {
      return op === '=='
        ? (c) => left(c) === rk
        : (c) => { const a = left(c); return a !== null && !Array.isArray(a) && a !== rk; };
    }
    if (lk !== undefined && lk !== null) {
      return op === '=='
        ? (c) => right(c) === lk
        : (c) => { const b = right(c); return b !== null && !Array.isArray(b) && lk !== b; };
    }
    return null;
  }
  if (typeof rk === 'number') {
    switch (op) {
      case '<': return (c) => { const a = left(c); return typeof a === 'number' ? a < rk : a !== null && !Array.isArray(a) && compare(op, a, rk); };
      case '<=': return (c) => { const a = left(c); return typeof a === 'number' ? a <= rk : a !== null && !Array.isArray(a) && compare(op, a, rk); };
      case '>': return (c) => { const a = left(c); return typeof a === 'number' ? a > rk : a !== null && !Array.isArray(a) && compare(op, a, rk); };
      case '>=': return (c) => { const a = left(c); return typeof a === 'number' ? a >= rk : a !== null && !Array.isArray(a) && compare(op, a, rk); };
      default: return null;
    }
  }
  if (typeof lk === 'number') {
    switch (op) {
      case '<': return (c) => { const b = right(c); return typeof b === 'number' ? lk < b : b !== null && !Array.isArray(b) && compare(op, lk, b); };
      case '<=': return (c) => { const b = right(c); return typeof b === 'number' ? lk <= b : b !== null && !Array.isArray(b) && compare(op, lk, b); };
      case '>': return (c) => { const b = right(c); return typeof b === 'number' ? lk > b : b !== null && !Array.isArray(b) && compare(op, lk, b); };
      case '>=': return (c) => { const b = right(c); return typeof b === 'number' ? lk >= b : b !== null && !Array.isArray(b) && compare(op, lk, b); };
      default: return null;
    }
  }
  // Ordering comparisons: numbers (and dates) or strings, never null; the left
  // operand first, the right one only when the left is not null.
  switch (op) {
    case '<': return (c) => {
      const a = left(c);
      if (a === null || Array.isArray(a)) return false;
      const b = right(c);
      if (typeof a === 'number' && typeof b === 'number') return a < b;
      return b !== null && !Array.isArray(b) && compare(op, a, b);
    };
    case '<=': return (c) => {
      const a = left(c);
      if (a === null || Array.isArray(a)) return false;
      const b = right(c);
      if (typeof a === 'number' && typeof b === 'number') return a <= b;
      return b !== null && !Array.isArray(b) && compare(op, a, b);
    };
    case '>': return (c) => {
      const a = left(c);
      if (a === null || Array.isArray(a)) return false;
      const b = right(c);
      if (typeof a === 'number' && typeof b === 'number') return a > b;
      return b !== null && !Array.isArray(b) && compare(op, a, b);
    };
    case '>=': return (c) => {
      const a = left(c);
      if (a === null || Array.isArray(a)) return false;
      const b = right(c);
      if (typeof a === 'number' && typeof b === 'number') return a >= b;
      return b !== null && !Array.isArray(b) && compare(op, a, b);
    };
    default: return null;
  }
}

/**
 * Arithmetic with a constant number operand, as one closure: the same value
 * (same operation order) as the general form, which evaluates the other
 * operand in either case. Null when nothing special applies (division by a
 * constant 0 and string concatenation keep the general form).
 */
function specialArithmetic(op: string, left: Evaluator, right: Evaluator, lk: Value | undefined, rk: Value | undefined): Evaluator | null {
  if (typeof rk === 'number') {
    switch (op) {
      case '+': return (c) => { const a = left(c); return typeof a === 'number' ? a + rk : null; };
      case '-': return (c) => { const a = left(c); return typeof a === 'number' ? a - rk : null; };
      case '*': return (c) => { const a = left(c); return typeof a === 'number' ? a * rk : null; };
      case '/': return rk === 0 ? null : (c) => { const a = left(c); return typeof a === 'number' ? a / rk : null; };
      default: return null;
    }
  }
  if (typeof lk === 'number') {
    switch (op) {
      case '+': return (c) => { const b = right(c); return typeof b === 'number' ? lk + b : null; };
      case '-': return (c) => { const b = right(c); return typeof b === 'number' ? lk - b : null; };
      case '*': return (c) => { const b = right(c); return typeof b === 'number' ? lk * b : null; };
      case '/': return (c) => { const b = right(c); return typeof b === 'number' && b !== 0 ? lk / b : null; };
      default: return null;
    }
  }
  return null;
}

/** Compiles every rule of a playbook. */
function compilePlaybookRules(ir: PlaybookIR, trace: boolean): CompiledPlaybook {
  let nodes = 0;
  const healthIndex = new Map((ir.health?.components ?? []).map((h, i) => [h.id, i] as const));

  // Health and its components: computed once per instant, shared by every rule.
  // Each context keeps one health object (and one object per component) and
  // overwrites it in place: no allocation per computation.
  let componentDeps: number[][] = [];
  const healthComps = ir.health?.components ?? [];
  const healthWeights = healthComps.map((h) => h.weight);
  const healthOf = (c: EvalContext): NonNullable<EvalContext['health']> => {
    let health = c.health;
    if (health !== null && c.healthAt === c.now) return health;
    if (health === null) {
      health = { value: null, wake: Infinity, components: healthComps.map(() => ({ value: null, wake: Infinity })) };
      c.health = health;
    }
    const components = health.components;
    let total = 0, weights = 0, wake = Infinity;
    const cache = c.components;
    const scores = pb.healthScores;
    for (let i = 0; i < healthWeights.length; i++) {
      const cached = cache === null ? undefined : cache[i];
      let score: number | null, w: number;
      // Looking ahead no event arrives, so only the component's own wake can end its score.
      if (cached !== undefined && cached.at <= c.now && cached.wake > c.now && (c.peek || unchangedSince(componentDeps[i]!, c.changedAt, cached.at))) {
        score = cached.value as number | null;
        w = cached.wake;
      } else {
        const saved = c.wake;
        c.wake = Infinity;
        const raw = scores[i]!(c);
        w = c.wake;
        c.wake = saved;
        score = typeof raw === 'number' ? Math.min(100, Math.max(0, raw)) : null;
        if (cache !== null) {
          if (cached === undefined) cache[i] = { value: score, wake: w, at: c.now };
          else {
            cached.value = score;
            cached.wake = w;
            cached.at = c.now;
          }
        }
      }
      const slot = components[i]!;
      slot.value = score;
      slot.wake = w;
      if (w < wake) wake = w;
      if (score !== null) {
        total += healthWeights[i]! * score;
        weights += healthWeights[i]!;
      }
    }
    health.value = weights > 0 ? total / weights : null;
    health.wake = wake;
    c.healthAt = c.now;
    return health;
  };

  const compileExpr = (e: Expr): Evaluator => {
    nodes++;
    const inner = compileNode(e);
    if (!trace) return inner;
    return (c) => {
      const v = inner(c);
      c.trace?.set(e.id, v);
      return v;
    };
  };

  /** For `days_since` nodes: the reference instant (or null), without the day-step wake. */
  const compileDaysSinceRef = (e: Expr): ((c: EvalContext) => number | null) | null => {
    if (e.k === 'days_since_time') {
      const time = e.time;
      return (c) => evalTime(time, anchorsOf(c));
    }
    if (e.k === 'query' && e.fn === 'days_since') {
      const cq = queries[e.query]!;
      return (c) => queryAggregate(cq, c, 'days_since').latestAt;
    }
    return null;
  };

  const compileNode = (e: Expr): Evaluator => {
    switch (e.k) {
      case 'literal': {
        const value = e.value;
        return () => value;
      }
      case 'list': {
        // A list of literals (the usual `in [..]`) is built once.
        if (e.items.every((i) => i.k === 'literal')) {
          const constant = e.items.map((i) => (i as { value: Value }).value);
          return () => constant;
        }
        const items = e.items.map(compileExpr);
        return (c) => items.map((item) => item(c) as Value);
      }
      case 'ref': {
        const ref = e.ref;
        switch (ref.kind) {
          case 'customer': {
            const attr = internalize(ref.attr);
            return (c) => c.state.customer.attrs[attr] ?? null;
          }
          case 'contract_start': return (c) => c.state.contract.start;
          case 'contract_end': return (c) => c.state.contract.end;
          case 'health': return (c) => {
            const h = healthOf(c);
            if (h.wake < c.wake) c.wake = h.wake;
            return h.value;
          };
          case 'health_component': {
            const i = healthIndex.get(ref.component);
            if (i === undefined) return () => null;
            return (c) => {
              const comp = healthOf(c).components[i]!;
              if (comp.wake < c.wake) c.wake = comp.wake;
              return comp.value;
            };
          }
          case 'field': {
            const field = internalize(ref.field);
            return (c) => c.event?.[field] ?? null;
          }
          default: {
            // (v2) `event.<field>` in a trigger action's `when`, should the compiler name it apart from `where`'s fields.
            const other = ref as unknown as { kind: string; field?: string };
            if (other.kind === 'event' && typeof other.field === 'string') {
              const field = internalize(other.field);
              return (c) => c.event?.[field] ?? null;
            }
            return assertNever(ref);
          }
        }
      }
      case 'time': {
        const time = e.time;
        return (c) => evalTime(time, anchorsOf(c));
      }
      case 'not': {
        const operand = compileExpr(e.operand);
        return (c) => operand(c) !== true;
      }
      case 'neg': {
        const operand = compileExpr(e.operand);
        return (c) => {
          const v = operand(c);
          return typeof v === 'number' ? -v : null;
        };
      }
      case 'binary': return compileBinary(e);
      case 'in': {
        const operand = compileExpr(e.operand);
        const list = compileExpr(e.list);
        return (c) => {
          const v = operand(c);
          if (v === null || Array.isArray(v)) return false;
          const items = list(c);
          return Array.isArray(items) ? items.includes(v) : false;
        };
      }
      case 'is_null': {
        const operand = compileExpr(e.operand);
        const negated = e.negated;
        return (c) => (operand(c) === null) !== negated;
      }
      case 'call': {
        const args = e.args.map(compileExpr);
        const fn = e.fn;
        // Specialised by function: no argument arrays on the hot path.
        const a0 = args[0]!, a1 = args[1], a2 = args[2];
        if (fn === 'clamp') {
          // Constant bounds (the usual `clamp(x, 0, 100)`): only x is evaluated at run time.
          const lo = constantOf(e.args[1]!), hi = constantOf(e.args[2]!);
          if (typeof lo === 'number' && typeof hi === 'number') {
            return (c) => {
              const x = a0(c);
              return typeof x === 'number' ? Math.min(Math.max(x, lo), hi) : null;
            };
          }
        }
        switch (fn) {
          case 'abs': return (c) => { const x = num(a0(c)); return x === null ? null : Math.abs(x); };
          case 'round': return (c) => { const x = num(a0(c)); return x === null ? null : roundHalfAway(x); };
          case 'min': return (c) => {
            const x = num(a0(c)); if (x === null) return null;
            const y = num(a1!(c)); return y === null ? null : Math.min(x, y);
          };
          case 'max': return (c) => {
            const x = num(a0(c)); if (x === null) return null;
            const y = num(a1!(c)); return y === null ? null : Math.max(x, y);
          };
          case 'clamp': return (c) => {
            const x = num(a0(c)); if (x === null) return null;
            const lo = num(a1!(c)); if (lo === null) return null;
            const hi = num(a2!(c)); if (hi === null) return null;
            return Math.min(Math.max(x, lo), hi);
          };
          default: return assertNever(fn);
        }
      }
      case 'days_since_time':
      case 'query': {
        if (e.k === 'query' && e.fn !== 'days_since') {
          const cq = queries[e.query]!;
          const fn = e.fn;
          if (cq.within !== null) {
            switch (fn) {
              case 'count': return (c) => windowCount(c.state, c, cq);
              case 'happened': return (c) => windowHappened(c.state, c, cq);
              case 'sum': return (c) => windowSumValue(c.state, c, cq);
              case 'count_distinct': return (c) => windowDistinct(c.state, c, cq);
              default: break;
            }
          }
          switch (fn) {
            case 'count': return (c) => queryAggregate(cq, c, fn).n;
            case 'happened': return (c) => queryAggregate(cq, c, fn).n > 0;
            default: return (c) => aggregateValue(fn, queryAggregate(cq, c, fn), c.now);
          }
        }
        // A days_since value not compared with a constant: wake at its next whole day.
        const ref = compileDaysSinceRef(e)!;
        return (c) => {
          const from = ref(c);
          if (from === null) return null;
          const n = Math.floor((c.now - from) / DAY_MS);
          const next = from + (n + 1) * DAY_MS;
          if (next < c.wake) c.wake = next;
          return n;
        };
      }
      default: return assertNever(e);
    }
  };

  const compileBinary = (e: Extract<Expr, { k: 'binary' }>): Evaluator => {
    const op = e.op;
    if (op === 'and' || op === 'or') {
      const left = compileExpr(e.left);
      const right = compileExpr(e.right);
      return op === 'and'
        ? (c) => left(c) === true && right(c) === true
        : (c) => left(c) === true || right(c) === true;
    }
    if (op in COMPARE) {
      // `days_since(...) <op> k`: wake exactly when the comparison flips, not every day.
      const leftRef = compileDaysSinceRef(e.left);
      const rightRef = leftRef === null ? compileDaysSinceRef(e.right) : null;
      if (leftRef !== null || rightRef !== null) {
        const refSide = leftRef ?? rightRef!;
        const other = compileExpr(leftRef !== null ? e.right : e.left);
        const cmpOp = leftRef !== null ? op : FLIPPED[op]!;
        const cmp = COMPARE[cmpOp]!;
        const dsNode = leftRef !== null ? e.left : e.right;
        return (c) => {
          const from = refSide(c);
          const n = from === null ? null : Math.floor((c.now - from) / DAY_MS);
          c.trace?.set(dsNode.id, n);
          if (n === null || from === null) return false;
          const k = other(c);
          if (typeof k !== 'number') return false;
          const crossing = nextCrossing(n, k, cmp);
          if (crossing !== null) {
            const at = from + crossing * DAY_MS;
            if (at < c.wake) c.wake = at;
          }
          return cmp(n, k);
        };
      }
      const left = compileExpr(e.left);
      const right = compileExpr(e.right);
      // specialComparison compiles every ordering comparison; what it leaves is
      // `==` / `!=` without a constant operand.
      return specialComparison(op, left, right, constantOf(e.left), constantOf(e.right)) ?? ((c) => compare(op, left(c), right(c)));
    }
    const left = compileExpr(e.left);
    const right = compileExpr(e.right);
    const special = specialArithmetic(op, left, right, constantOf(e.left), constantOf(e.right));
    if (special !== null) return special;
    switch (op) {
      case '+': return (c) => {
        const a = left(c);
        if (a === null) return null;
        const b = right(c);
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        return typeof a === 'number' && typeof b === 'number' ? a + b : null;
      };
      case '-': return (c) => {
        const a = num(left(c));
        if (a === null) return null;
        const b = num(right(c));
        return b === null ? null : a - b;
      };
      case '*': return (c) => {
        const a = num(left(c));
        if (a === null) return null;
        const b = num(right(c));
        return b === null ? null : a * b;
      };
      case '/': return (c) => {
        const a = num(left(c));
        if (a === null) return null;
        const b = num(right(c));
        return b === null || b === 0 ? null : a / b;
      };
      default: throw new Error(`unknown operator ${op}`);
    }
  };

  /**
   * A literal operand's value, read at compile time instead of called for
   * (a literal has no wake); undefined for anything else, and always when
   * tracing (explain records every node's value, literals included).
   */
  const constantOf = (x: Expr): Value | undefined => (!trace && x.k === 'literal' ? x.value : undefined);

  const compileRule = (rule: Rule): Evaluator => compileExpr(rule.expr);

  // Queries first: rules refer to them by index.
  const queries: CompiledQuery[] = [];
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
  const flags = (deps: Set<string>): Uint8Array => {
    const out = new Uint8Array(typeList.length);
    for (const t of deps) if (types[t] !== undefined) out[types[t]!.index] = 1;
    return out;
  };
  componentDeps = (ir.health?.components ?? []).map((h) => [...eventDeps(ir, h.score.expr, null)].filter((t) => types[t] !== undefined).map((t) => types[t]!.index));
  const healthDeps = new Set<string>();
  const pb: CompiledPlaybook = {
    types,
    queries,
    aggregatingByType,
    windowQueriesByType,
    bufferFieldsByType,
    appliesTo: ir.appliesTo === null ? null : compileRule(ir.appliesTo),
    appliesWhen: ir.milestones.map((m) => (m.appliesWhen === null ? null : compileRule(m.appliesWhen))),
    doneWhen: ir.milestones.map((m) => compileRule(m.doneWhen)),
    doneWhenDeps: [],
    riskWhen: signals.map((r) => compileRule(r.when)),
    riskDeps: [],
    actionWhen: new Map(),
    doneWhenReadsHealth: ir.milestones.map((m) => readsHealth(m.doneWhen.expr)),
    riskReadsHealth: signals.map((r) => readsHealth(r.when.expr)),
    doneWhenReads: [],
    riskReads: [],
    doneWhenMasks: null,
    riskMasks: null,
    typeList,
    healthScores: (ir.health?.components ?? []).map((h) => compileRule(h.score)),
    health: healthOf,
    nodes: 0,
  };
  for (const h of ir.health?.components ?? []) for (const t of eventDeps(ir, h.score.expr, null)) healthDeps.add(t);
  pb.doneWhenDeps = ir.milestones.map((m) => eventDeps(ir, m.doneWhen.expr, healthDeps));
  pb.riskDeps = signals.map((r) => eventDeps(ir, r.when.expr, healthDeps));
  for (const a of actions) if (a.when !== undefined && a.when !== null) pb.actionWhen.set(a, compileRule(a.when));
  pb.doneWhenReads = pb.doneWhenDeps.map(flags);
  pb.riskReads = pb.riskDeps.map(flags);
  if (typeList.length <= MASK_TYPES) {
    const mask = (reads: Uint8Array): number => {
      let m = 0;
      for (let i = 0; i < reads.length; i++) if (reads[i] === 1) m |= 1 << i;
      return m;
    };
    pb.doneWhenMasks = pb.doneWhenReads.map(mask);
    pb.riskMasks = pb.riskReads.map(mask);
  }
  pb.nodes = nodes;
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

/**
 * The internalised copy of a string (the one V8 uses for property names).
 * Names read from parsed YAML or JSON may be other string objects with the
 * same text; used as keys (`data[field]`), they make V8's optimised code
 * deoptimise on every call ("unexpected name in keyed access") and never
 * recover, which cost more than half the engine's time.
 */
export function internalize(name: string): string {
  return Object.keys({ [name]: 0 })[0]!;
}

const UNIT_MS: Record<string, number> = { hour: 3_600_000, day: DAY_MS, week: 7 * DAY_MS };
function exactMs(d: Duration): number | null {
  const ms = UNIT_MS[d.unit];
  return ms === undefined ? null : ms * d.amount;
}

/** Has no event of these types become visible after `since`? */
function unchangedSince(deps: number[], changedAt: number[] | null, since: number): boolean {
  if (changedAt === null) return false;
  for (let i = 0; i < deps.length; i++) if (changedAt[deps[i]!]! > since) return false;
  return true;
}

/** The anchors for time expressions in context: the contract, and the instance's opens/due. */
function anchorsOf(c: EvalContext) {
  return {
    start: c.state.contract.start,
    end: c.state.contract.end,
    opens: c.inst?.opensAt ?? null,
    due: c.inst?.dueAt ?? null,
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Visits every node of an expression tree, outermost first. */
export function walkExpr(e: Expr, visit: (node: Expr, depth: number) => void, depth = 0): void {
  visit(e, depth);
  switch (e.k) {
    case 'list': for (const item of e.items) walkExpr(item, visit, depth + 1); break;
    case 'not': case 'neg': walkExpr(e.operand, visit, depth + 1); break;
    case 'binary': walkExpr(e.left, visit, depth + 1); walkExpr(e.right, visit, depth + 1); break;
    case 'in': walkExpr(e.operand, visit, depth + 1); walkExpr(e.list, visit, depth + 1); break;
    case 'is_null': walkExpr(e.operand, visit, depth + 1); break;
    case 'call': for (const a of e.args) walkExpr(a, visit, depth + 1); break;
    default: break;
  }
}

function readsHealth(e: Expr): boolean {
  let found = false;
  walkExpr(e, (n) => {
    if (n.k === 'ref' && (n.ref.kind === 'health' || n.ref.kind === 'health_component')) found = true;
  });
  return found;
}

function fieldRefs(e: Expr): string[] {
  const out: string[] = [];
  walkExpr(e, (n) => {
    if (n.k === 'ref' && n.ref.kind === 'field') out.push(n.ref.field);
  });
  return out;
}

/** The event types whose arrival can change an expression's value (`health` adds the health deps). */
function eventDeps(ir: PlaybookIR, e: Expr, healthDeps: Set<string> | null): Set<string> {
  const deps = new Set<string>();
  walkExpr(e, (n) => {
    if (n.k === 'query') {
      const q = ir.queries[n.query];
      if (q !== undefined) deps.add(q.event);
    } else if (n.k === 'ref' && (n.ref.kind === 'health' || n.ref.kind === 'health_component') && healthDeps !== null) {
      for (const t of healthDeps) deps.add(t);
    }
  });
  return deps;
}
