/**
 * The shape of a compiled playbook: what the playbook compiler (`compiled` in
 * evaluator.ts) builds once per IR object, and the context every compiled
 * expression runs in. Types only: the
 * modules that build these (evaluator.ts, expression.ts, health.ts) and the
 * ones that read them (window.ts, aggregates.ts, journey.ts) all depend on this
 * file, so none of them has to import another for its types, and no import
 * cycle runs through them (tests/foundation/layers.test.ts checks).
 */
import type { Action, Duration, Query, QueryFn, TimeExpr } from '../../dsl/ir/schema.ts';
import type { TypeSet } from './type-set.ts';
import type { BufferedEvent, JourneyState, MilestoneInstanceState, Value } from './types.ts';

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
  health: HealthFigures | null;
  /** what `evaluateUntilFlip` (lookahead.ts) found: the next instant the condition may flip (null: none) */
  flipWake: number | null;
  /** within one advance: the `within` buffers by event type index, mirroring the state's (null: read the state's records) */
  slots: TypeSlot[] | null;
  /** what window.ts's look-ahead read (`ahead`) last found; overwritten by each such read */
  ahead: WindowAhead;
}

/**
 * A `within` window's figures at a future instant, as the look-ahead finds
 * them: its count, its count of numbers and their sum once the events that
 * have left by then are taken off, and the buffer position where the events
 * still inside start.
 */
export interface WindowAhead {
  n: number;
  vn: number;
  sum: number;
  i: number;
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
  /** `query.event` and `query.field`, internalised (see `internalize` in interned-names.ts) */
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
  /** risks, then (v2) opportunities: one list of signals, opportunity `j` at index `risks.length + j` */
  riskWhen: Evaluator[];
  /** (v2) each action's `when`, by the action object (absent: always fires) */
  actionWhen: Map<Action, Evaluator>;
  /** does each milestone's `done_when` / each risk's `when` read `health` or a component */
  doneWhenReadsHealth: boolean[];
  riskReadsHealth: boolean[];
  /** the event types each milestone's `done_when` / each signal's `when` reads (health's included) */
  doneWhenReads: TypeSet[];
  riskReads: TypeSet[];
  /** every event type the playbook knows, by index */
  typeList: EventTypeInfo[];
  healthScores: Evaluator[];
  /** `health` and its clamped components at `c.now` (cached per instant; does not touch `c.wake`) */
  health: (c: EvalContext) => HealthFigures;
  /** how many closures were built (for the benchmark's figures) */
  nodes: number;
}

/**
 * Health (reference §6) and each component's clamped score at one instant,
 * with the instant each can next change without a new event. One object per
 * context, overwritten in place at each instant (see health.ts).
 */
export interface HealthFigures {
  value: Value;
  wake: number;
  components: Array<{ value: Value; wake: number }>;
}

/**
 * Per event type, its `within` buffer and base as one advance knows them: the
 * same array and number as `state.buffers[type]` and `state.bufferBase[type]`
 * (kept in step by `insertIntoWindows` in window.ts), read without a keyed
 * lookup by type name (the state's records have a different key order in every
 * journey, which makes those lookups megamorphic). A derived cache, never
 * persisted.
 */
export interface TypeSlot {
  /** `state.buffers[type]` */
  buffer: BufferedEvent[] | undefined;
  /** `state.bufferBase[type] ?? 0` */
  base: number;
  /** does the state have both `buffers[type]` and `bufferBase[type]` */
  ready: boolean;
}
