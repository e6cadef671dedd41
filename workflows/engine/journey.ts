/**
 * The journey engine: a pure, deterministic function of (IR, customer,
 * contract, events received, the instant to advance to). See docs/engine.md.
 *
 * Time is continuous: {@link nextInstant} names the next instant at which
 * anything can change (an event, an `opens`/`due`/step instant, a window exit,
 * a `days_since` threshold, `contract.end`), and {@link advanceJourney}
 * processes every such instant up to a bound, each in reference §10 order.
 *
 * Late events: an event whose `at` is at or before the journey's clock (every
 * instant up to the clock is already processed) is applied at `clock + 1 ms`,
 * the first instant not yet processed. It keeps its own `at` for windows,
 * aggregates, `days_since` and the enrolment check of triggers; the actions
 * it causes fire at the instant it is applied. Events after `contract.end` are
 * never seen: nothing happens after the term closes.
 *
 * Manual completions ({@link receiveManualCompletion}) are queued the same
 * way and complete their milestone instance in reference §10 step 3 of their
 * instant, as if its `done_when` held then.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { buildAction } from './actions.ts';
import { insertIntoWindows, typeSlots } from './window.ts';
import type { TemplateScope } from './actions.ts';
import { addDuration, evalTime, windowExit } from './calendar.ts';
import { formatInstant, integerText } from './instant.ts';
import { milestoneInstants } from './milestone-instants.ts';
import { addToAggregate, emptyAggregate } from './aggregates.ts';
import type { CompiledPlaybook, EvalContext, Evaluator, EventTypeInfo } from './compiled-playbook.ts';
import { compiled, newContext } from './evaluator.ts';
import { walkExpr } from './expression-reads.ts';
import { evaluateUntilFlip } from './lookahead.ts';
import { whereHolds } from './query-match.ts';
import { addType, addTypes, clearTypes, intersects, typeSet } from './type-set.ts';
import type { TypeSet } from './type-set.ts';
import type {
  ActionAbout, Contract, FiredAction, JourneyCustomer, JourneyEvent, JourneyState, ManualCompletionInput, MilestoneInstanceState,
  QueuedEvent, ReportedAction, RiskState, TaskCloseInput, TaskCloseReason, TaskOwner, TaskState, Transition, Value,
} from './types.ts';
import type { Action, Risk } from '../../dsl/ir/schema.ts';
import { isV2 } from './language.ts';

/** A repeating milestone never has more instances than this (a guard against `every 1 hour` over decades). */
export const MAX_INSTANCES = 5000;

/** What {@link startJourney} needs. */
export interface JourneyStartInput {
  customer: JourneyCustomer;
  contract: Contract;
  /** Enrolment instant (epoch ms); no action before it fires (reference §10). */
  enrolledAt: number;
}

/**
 * A fresh journey: every milestone instance laid out with its instants, no
 * event seen, nothing processed.
 */
export function startJourney(ir: PlaybookIR, input: JourneyStartInput): JourneyState {
  const { customer, contract, enrolledAt } = input;
  const pb = compiled(ir);
  const v2 = isV2(ir);
  const milestones: MilestoneInstanceState[] = [];
  ir.milestones.forEach((m, mi) => {
    const { opens: opens1, due: due1, steps: steps1, closes: closes1 } = milestoneInstants(m, contract);
    const perInstance = perInstanceQueries(ir, pb, mi);
    const repeat = m.repeat !== null && m.repeat.amount > 0 ? m.repeat : null;
    for (let k = 1; k <= MAX_INSTANCES; k++) {
      const shift = (t: number) => (repeat === null ? t : addDuration(t, repeat, k - 1));
      const opensAt = shift(opens1);
      if (repeat !== null && opensAt >= contract.end) break;
      const dueAt = shift(due1);
      const inst: MilestoneInstanceState = {
        id: repeat === null ? m.id : `${m.id}#${k}`,
        m: mi,
        k,
        opensAt,
        dueAt,
        steps: steps1.map(shift),
        state: 'pending',
        openedAt: null,
        completedAt: null,
        overdueAt: null,
        closedAt: null,
        wake: null,
        aggs: null,
        since: null,
      };
      if (v2) {
        // reference §5/§5.1: its own (shifted) closes, else a repeating instance closes at the next one's opens;
        // at or after contract.end the term closes it (nothing to note).
        const closes = closes1 !== null ? shift(closes1) : repeat !== null ? addDuration(opens1, repeat, k) : null;
        if (closes !== null && closes < contract.end) inst.closesAt = closes;
      }
      if (perInstance.length > 0) {
        inst.aggs = {};
        inst.since = {};
        for (const qi of perInstance) {
          const since = pb.queries[qi]!.since!;
          inst.since[qi] = evalTime(since, { start: contract.start, end: contract.end, opens: opensAt, due: dueAt }) ?? opensAt;
        }
      }
      milestones.push(inst);
      if (repeat === null) break;
    }
  });
  return {
    v: 1,
    playbook: ir.playbook,
    sourceHash: ir.sourceHash,
    customer,
    contract,
    enrolledAt,
    clock: null,
    lastInstant: null,
    closed: false,
    seq: 0,
    pending: [],
    buffers: {},
    bufferBase: {},
    windows: {},
    aggs: {},
    milestones,
    risks: ir.risks.map(() => ({ on: false, wake: null, lastFired: null, raises: [] })),
    judged: false,
    actions: [],
    seen: 0,
    ...(v2 ? v2State(ir, contract, enrolledAt) : {}),
  };
}

/** (v2) The parts of a fresh state that only version 2 has. */
function v2State(ir: PlaybookIR, contract: Contract, enrolledAt: number): Partial<JourneyState> {
  const out: Partial<JourneyState> = {
    tasks: [],
    openTasks: [],
    opportunities: (ir.opportunities ?? []).map(() => ({ on: false, wake: null, lastFired: null, raises: [] })),
  };
  // reference §10: an enrolment after contract.start is an instant of its own (catch-up runs at it).
  if (enrolledAt > contract.start && enrolledAt <= contract.end) out.catchUpAt = enrolledAt;
  return out;
}

/** The per-instance queries (`since opens`/`since due`) a milestone's rules use. */
function perInstanceQueries(ir: PlaybookIR, pb: CompiledPlaybook, mi: number): number[] {
  const out: number[] = [];
  const m = ir.milestones[mi]!;
  const visit = (e: Parameters<typeof walkExpr>[0]) => walkExpr(e, (n) => {
    if (n.k === 'query' && pb.queries[n.query]?.perInstance && !out.includes(n.query)) out.push(n.query);
  });
  visit(m.doneWhen.expr);
  if (m.appliesWhen !== null) visit(m.appliesWhen.expr);
  // (v2) the `when` of its actions (steps, on_done, and their tasks' overdue actions) may read `since opens` too
  const visitAction = (a: Action): void => {
    if (a.when !== undefined && a.when !== null) visit(a.when.expr);
    if (a.kind === 'open_task') for (const o of a.overdue ?? []) visitAction(o);
  };
  for (const step of m.steps) visitAction(step.action);
  for (const a of m.onDone) visitAction(a);
  // Queries used inside `where` of per-instance queries cannot nest (where reads fields only).
  return out;
}

/**
 * Queues an event; it becomes visible when its instant is processed. Returns
 * a new state (the input is not changed). Events after the term closed are
 * ignored.
 */
export function receiveEvent(ir: PlaybookIR, state: JourneyState, event: JourneyEvent): JourneyState {
  return receiveEvents(ir, state, [event]);
}

/** {@link receiveEvent} for many events at once (one copy of the queue, not one per event). */
export function receiveEvents(_ir: PlaybookIR, state: JourneyState, events: readonly JourneyEvent[]): JourneyState {
  if (state.closed || events.length === 0) return state;
  const pending = state.pending.slice();
  let seq = state.seq;
  for (const event of events) {
    if (event.at > state.contract.end) continue;
    const queued: QueuedEvent = { ...event, seq: seq++ };
    // Stable insertion: after every queued event with at <= this one's.
    let i = pending.length;
    while (i > 0 && pending[i - 1]!.at > queued.at) i--;
    if (i === pending.length) pending.push(queued);
    else pending.splice(i, 0, queued);
  }
  return { ...state, pending, seq };
}

/**
 * Queues a milestone completed by hand (a person confirming what no event
 * shows). When instant `completion.at` is processed, the milestone instance
 * `completion.milestone` (`<id>` or `<id>#<k>`), if it is open or overdue
 * then, completes at that instant exactly as if its `done_when` held: `done`
 * when at or before its due instant, else `late`; its `on_done` fires and
 * the transition carries `manual: { note, by }`. If by then the instance is
 * pending, completed, skipped or missed (or the id names none), the
 * completion is dropped without a trace (completion is final, reference §5).
 * Like an event: one at or before the clock is applied at `clock + 1 ms`,
 * one after `contract.end` or after the term closed is ignored. Returns a new
 * state (the input is not changed).
 */
export function receiveManualCompletion(_ir: PlaybookIR, state: JourneyState, completion: ManualCompletionInput): JourneyState {
  if (state.closed || completion.at > state.contract.end) return state;
  const { milestone, at, note, by } = completion;
  const manual = state.manual === undefined ? [] : state.manual.slice();
  // Stable insertion: after every queued completion with at <= this one's.
  let i = manual.length;
  while (i > 0 && manual[i - 1]!.at > at) i--;
  manual.splice(i, 0, { milestone, at, note, by });
  return { ...state, manual };
}

/**
 * (v2) Queues a task closed by a person (reference §5.2), like a manual
 * completion: applied in reference §10 step 1 of instant `close.at` (one at or
 * before the clock at `clock + 1 ms`); the task closes `done` with `by` and
 * `note`, unless it is not open then (already closed, or not opened yet),
 * when nothing changes. One after `contract.end` or after the term closed
 * is ignored. Returns a new state (the input is not changed).
 */
export function receiveTaskClose(_ir: PlaybookIR, state: JourneyState, close: TaskCloseInput): JourneyState {
  if (state.closed || close.at > state.contract.end) return state;
  const queue = state.taskCloses === undefined ? [] : state.taskCloses.slice();
  let i = queue.length;
  while (i > 0 && queue[i - 1]!.at > close.at) i--;
  const entry: TaskCloseInput = { task: close.task, at: close.at };
  if (close.by !== undefined && close.by !== null) entry.by = close.by;
  if (close.note !== undefined && close.note !== null) entry.note = close.note;
  queue.splice(i, 0, entry);
  return { ...state, taskCloses: queue };
}

/** (v2) The task with this id (reference §5.2), if the journey opened it. */
export function findTask(state: JourneyState, id: string): TaskState | undefined {
  return state.tasks?.find((t) => t.id === id);
}

/**
 * The next instant after the clock at which anything can change, or `null`
 * once the term has closed. Callers sleep until then: nothing is polled.
 */
export function nextInstant(ir: PlaybookIR, state: JourneyState): number | null {
  void ir;
  return nextInstantFrom(state, 0, null);
}

/**
 * {@link nextInstant}, with the queue read from index `pendingFrom` (events
 * before it are taken). With a run, also notes there until when steps 2-5
 * of reference §10 have nothing to do without a new event ({@link Run.milestonesIdleUntil}).
 */
function nextInstantFrom(state: JourneyState, pendingFrom: number, run: Run | null): number | null {
  if (state.closed) return null;
  const clock = state.clock ?? -Infinity;
  const start = state.contract.start;
  let next = state.contract.end;
  const first = state.pending[pendingFrom];
  if (first !== undefined) next = Math.min(next, first.at > clock ? first.at : clock + 1);
  const manual = state.manual?.[0];
  if (manual !== undefined) next = Math.min(next, manual.at > clock ? manual.at : clock + 1);
  // (v2) a person's task close, the enrolment instant (catch-up), a task's due instant (its overdue actions)
  const close = state.taskCloses?.[0];
  if (close !== undefined) next = Math.min(next, close.at > clock ? close.at : clock + 1);
  if (state.catchUpAt !== undefined && state.catchUpAt > clock) next = Math.min(next, state.catchUpAt);
  const open = state.openTasks;
  if (open !== undefined) {
    for (let i = 0; i < open.length; i++) {
      const task = state.tasks![open[i]!]!;
      if (task.overduePending && task.dueAt > clock && task.dueAt < next) next = task.dueAt;
    }
  }
  if (!state.judged) {
    if (run !== null) run.milestonesIdleUntil = -Infinity;
    return Math.min(next, start);
  }
  // The milestones' next instant (opens, due, a step, a done_when wake), and
  // (for the run) the same counting every due instant, and what their done_when read.
  // A run keeps them while no milestone step ran (nothing of theirs changed).
  let milestoneNext: number;
  if (run !== null && run.milestonesKnown) milestoneNext = run.milestoneNext;
  else {
    let idleUntil = Infinity;
    milestoneNext = Infinity;
    const reads = run === null ? null : run.openReads;
    if (reads !== null) clearTypes(reads);
    for (let mi = 0; mi < state.milestones.length; mi++) {
      const inst = state.milestones[mi]!;
      switch (inst.state) {
        case 'pending':
          milestoneNext = Math.min(milestoneNext, Math.max(inst.opensAt, start));
          if (inst.closesAt !== undefined && inst.closesAt > clock) milestoneNext = Math.min(milestoneNext, inst.closesAt);
          break;
        case 'open':
        case 'overdue':
          if (inst.closesAt !== undefined && inst.closesAt > clock) milestoneNext = Math.min(milestoneNext, inst.closesAt);
          if (inst.state === 'open') {
            if (inst.dueAt > clock) milestoneNext = Math.min(milestoneNext, inst.dueAt);
            else idleUntil = Math.min(idleUntil, inst.dueAt);
          }
          for (let i = 0; i < inst.steps.length; i++) {
            const step = inst.steps[i]!;
            if (step > clock && step < milestoneNext) milestoneNext = step;
          }
          if (inst.wake !== null) milestoneNext = Math.min(milestoneNext, inst.wake);
          if (reads !== null) addTypes(reads, run!.pb.doneWhenReads[inst.m]!);
          break;
        default:
          break;
      }
    }
    if (run !== null) {
      run.milestonesIdleUntil = Math.min(milestoneNext, idleUntil);
      run.milestoneNext = milestoneNext;
      run.milestonesKnown = true;
    }
  }
  next = Math.min(next, milestoneNext);
  for (let ri = 0; ri < state.risks.length; ri++) {
    const wake = state.risks[ri]!.wake;
    if (wake !== null && wake < next) next = wake;
  }
  const opportunities = state.opportunities;
  if (opportunities !== undefined) {
    for (let oi = 0; oi < opportunities.length; oi++) {
      const wake = opportunities[oi]!.wake;
      if (wake !== null && wake < next) next = wake;
    }
  }
  return next > clock ? next : clock + 1;
}

/** What {@link advanceJourney} returns. */
export interface Advance {
  state: JourneyState;
  /** actions fired, in firing order (none before enrolment) */
  fired: FiredAction[];
  /** milestone, risk and term changes, in order, for the ledger */
  transitions: Transition[];
}

/**
 * A copy of a state that the engine may mutate while advancing: every part
 * the engine changes is copied, the parts it never changes in place (the
 * customer, the contract, queued events, buffered events, reported actions)
 * are shared. Much cheaper than a JSON round trip, and just as safe.
 */
export function cloneState(state: JourneyState): JourneyState {
  const copyRecord = <T extends object>(r: Record<string, T>): Record<string, T> => {
    const out: Record<string, T> = {};
    for (const k in r) out[k] = { ...r[k]! };
    return out;
  };
  const buffers: Record<string, JourneyState['buffers'][string]> = {};
  for (const k in state.buffers) buffers[k] = state.buffers[k]!.slice();
  return {
    ...state,
    pending: state.pending.slice(),
    buffers,
    bufferBase: { ...state.bufferBase },
    windows: copyRecord(state.windows),
    aggs: copyRecord(state.aggs),
    milestones: state.milestones.map((inst) => ({
      ...inst,
      aggs: inst.aggs === null ? null : copyRecord(inst.aggs),
    })),
    risks: state.risks.map(copyRisk),
    actions: state.actions.slice(),
    // (v2) tasks are replaced, never changed in place, so the list is copied and its entries shared.
    ...(state.tasks === undefined ? {} : { tasks: state.tasks.slice(), openTasks: state.openTasks!.slice() }),
    ...(state.opportunities === undefined ? {} : { opportunities: state.opportunities.map(copyRisk) }),
  };
}

function copyRisk(r: RiskState): RiskState {
  return { ...r, raises: r.raises.map((x) => [x[0], x[1]] as [number, number | null]) };
}

/**
 * Processes every instant `t <= to` at which anything can happen, in time
 * order, each in reference §10 order. Returns the new state (the input is not
 * changed), the actions fired and the transitions.
 */
export function advanceJourney(ir: PlaybookIR, state: JourneyState, to: number): Advance {
  const out: Advance = { state, fired: [], transitions: [] };
  if (state.closed || (state.clock !== null && to <= state.clock)) return out;
  const s = cloneState(state);
  out.state = s;
  const pb = compiled(ir);
  const c = newContext(s, -Infinity);
  c.components = [];
  c.changedAt = pb.typeList.map(() => -Infinity);
  c.slots = typeSlots(pb, s);
  const probe = newContext(s, -Infinity);
  probe.slots = c.slots;
  const run: Run = {
    ir, pb, s, out, c, probe, t: -Infinity, keys: null, tText: null, tIso: '', sources: sourcesOf(ir), pendingFrom: 0, dirty: typeSet(pb.typeList.length), milestonesIdleUntil: -Infinity, openReads: typeSet(pb.typeList.length), milestoneNext: Infinity, milestonesKnown: false,
    v2: isV2(ir), signals: signalsOf(ir), fromAt: fromInstants(ir, s.contract),
    health: () => {
      const saved = c.inst;
      c.inst = null;
      const h = pb.healthScores.length === 0 ? null : pb.health(c).value;
      c.inst = saved;
      return h;
    },
  };
  for (;;) {
    const t = nextInstantFrom(s, run.pendingFrom, run);
    if (t === null || t > to) break;
    processInstant(run, t);
  }
  // Events taken from the queue are dropped once, not one splice per instant.
  if (run.pendingFrom > 0) s.pending.splice(0, run.pendingFrom);
  if (!s.closed && (s.clock === null || to > s.clock)) s.clock = to;
  return out;
}

/** What one `advanceJourney` call works with, reused across its instants. */
interface Run {
  ir: PlaybookIR;
  pb: CompiledPlaybook;
  s: JourneyState;
  out: Advance;
  /** one evaluation context, reset for each instant */
  c: EvalContext;
  /** the look-ahead context (see `evaluateUntilFlip`) */
  probe: EvalContext;
  t: number;
  /** `s.pending[0 .. pendingFrom)` are taken (visible); dropped at the end of the advance */
  pendingFrom: number;
  /** the event types an event of which became visible at this instant */
  dirty: TypeSet;
  /**
   * Before this instant, steps 2-5 of reference §10 change nothing unless an event
   * that an open or overdue milestone's done_when reads (`openReads`) or a manual completion
   * arrives; -Infinity: not known (set by `nextInstantFrom`).
   */
  milestonesIdleUntil: number;
  openReads: TypeSet;
  /**
   * The milestones' part of `nextInstantFrom` (their next own instant), kept
   * while `milestonesKnown`: until steps 2-5 run (or the term closes), no
   * milestone changes, and every instant it counts lies after the clock.
   */
  milestoneNext: number;
  milestonesKnown: boolean;
  /** the sources of the actions fired at this instant (created on the first firing) */
  keys: string[] | null;
  /** `String(t)` and `formatInstant(t)` of this instant, once an action needs them */
  tText: string | null;
  tIso: string;
  /** the playbook's action sources */
  sources: Sources;
  /** `{{health}}` at the current instant */
  health: () => Value;
  /** does the IR follow language version 2 */
  v2: boolean;
  /** risks, then (v2) opportunities, as the compiled playbook indexes them */
  signals: Risk[];
  /** (v2) each signal's `from` instant (the grace period's end; contract.start by default) */
  fromAt: number[];
}

/** Risks, then opportunities: one list, opportunity `j` at `risks.length + j` (as `CompiledPlaybook.riskWhen`). */
function signalsOf(ir: PlaybookIR): Risk[] {
  return !isV2(ir) || ir.opportunities === undefined || ir.opportunities.length === 0 ? ir.risks : [...ir.risks, ...ir.opportunities];
}

/** (v2) Each signal's `from` (reference §6: before it, `when` counts as false). */
function fromInstants(ir: PlaybookIR, contract: Contract): number[] {
  if (!isV2(ir)) return [];
  return signalsOf(ir).map((r) => (r.from === undefined || r.from === null ? contract.start
    : evalTime(r.from, { start: contract.start, end: contract.end, opens: null, due: null }) ?? contract.start));
}

/**
 * (v2) Where and how an action fires, besides its template scope: what its
 * `when` reads (the milestone instance, the triggering event), what a task it
 * opens belongs to, what it is about, and whether catch-up fires it.
 */
interface Firing {
  inst: MilestoneInstanceState | null;
  event: { type: string; data: Record<string, Value> } | null;
  owner: TaskOwner | null;
  about: ActionAbout | null;
  catchUp: boolean;
  /** the milestone a task it opens renders its overdue actions with */
  milestone: { title: string; dueAt: number; id: string } | null;
}

/**
 * Fires one action at the run's instant, unless that is before enrolment or
 * (v2, with `firing`) its `when` does not hold, or catch-up would fire a
 * source that already fired before a migration. Returns whether it fired.
 */
function fire(run: Run, source: string, action: Action, scope: TemplateScope, firing: Firing | null = null): boolean {
  const { s, t } = run;
  if (t < s.enrolledAt) return false;
  if (firing !== null) {
    if (firing.catchUp && s.firedBefore !== undefined && s.firedBefore.includes(source)) return false;
    const when = run.pb.actionWhen.get(action);
    if (when !== undefined && !holds(run, when, firing)) return false;
  }
  // The same source firing twice at one instant (a trigger, two events) gets `#2`, `#3`, ...
  const fired = (run.keys ??= []);
  let n = 1;
  for (let i = 0; i < fired.length; i++) if (fired[i] === source) n++;
  fired.push(source);
  // The instant's text and ISO form are made once per instant, not once per action.
  if (run.tText === null) {
    run.tText = integerText(t);
    run.tIso = formatInstant(t);
  }
  const base = source + '@' + run.tText;
  if (firing === null) {
    const built = buildAction(run.ir, s, t, source, n === 1 ? base : `${base}#${n}`, action, scope, run.tIso);
    run.out.fired.push(built.fired);
    s.actions.push(built.reported);
    return true;
  }
  // reference §5.2: `<source>@<ISO opened_at>`, `#2`, `#3`, ... for more of one source at one instant.
  const taskId = action.kind === 'open_task' ? (n === 1 ? source + '@' + run.tIso : `${source}@${run.tIso}#${n}`) : null;
  const built = buildAction(run.ir, s, t, source, n === 1 ? base : `${base}#${n}`, action, scope, run.tIso, { catchUp: firing.catchUp, about: firing.about, taskId });
  run.out.fired.push(built.fired);
  s.actions.push(built.reported);
  if (action.kind === 'open_task' && built.fired.kind === 'open_task') {
    const task: TaskState = {
      id: taskId!, source, title: built.fired.title, to: action.assignee, recipient: built.fired.recipient, priority: action.priority,
      openedAt: t, dueAt: built.fired.dueAt, closedAt: null, closedBecause: null,
      owner: action.autoClose === false ? null : firing.owner,
      overduePending: action.overdue !== undefined && action.overdue.length > 0,
    };
    // Its overdue actions render in the context it was opened in (reference §5.2).
    if (task.overduePending) {
      if (firing.milestone !== null) task.milestone = firing.milestone;
      if (firing.event !== null) task.event = firing.event;
    }
    s.openTasks!.push(s.tasks!.length);
    s.tasks!.push(task);
    transition(run.out, { at: t, kind: 'task', task: task.id, change: 'opened', reason: null });
  }
  return true;
}

/** (v2) Does an action's `when` hold at the run's instant, in the firing's context? */
function holds(run: Run, when: Evaluator, firing: Firing): boolean {
  const c = run.c;
  const inst = c.inst, event = c.event, wake = c.wake;
  c.inst = firing.inst;
  c.event = firing.event === null ? null : firing.event.data;
  const ok = when(c) === true;
  c.inst = inst;
  c.event = event;
  c.wake = wake;
  return ok;
}

/** (v2) Closes one open task (by its index in `s.tasks`) at the run's instant. */
function closeTask(run: Run, index: number, reason: TaskCloseReason, by?: { by?: string | undefined; note?: string | undefined }): void {
  const s = run.s;
  const task = s.tasks![index]!;
  const closed: TaskState = { ...task, closedAt: run.t, closedBecause: reason, overduePending: false };
  if (by !== undefined) {
    if (by.by !== undefined) closed.by = by.by;
    if (by.note !== undefined) closed.note = by.note;
  }
  s.tasks![index] = closed;
  const open = s.openTasks!;
  const at = open.indexOf(index);
  if (at >= 0) open.splice(at, 1);
  const tr: Transition = { at: run.t, kind: 'task', task: task.id, change: 'closed', reason };
  if (by !== undefined && tr.kind === 'task') {
    if (by.by !== undefined) tr.by = by.by;
    if (by.note !== undefined) tr.note = by.note;
  }
  transition(run.out, tr);
}

/** (v2) Closes the open tasks a milestone instance, risk or opportunity owns. */
function closeOwned(run: Run, kind: TaskOwner['kind'], id: string, reason: TaskCloseReason): void {
  const s = run.s;
  const open = s.openTasks;
  if (open === undefined || open.length === 0) return;
  for (const index of open.slice()) {
    const owner = s.tasks![index]!.owner;
    if (owner !== null && owner.kind === kind && owner.id === id) closeTask(run, index, reason);
  }
}

/** (v2) The firing context of a milestone instance's steps and on_done. */
function milestoneFiring(run: Run, inst: MilestoneInstanceState, owns: boolean, catchUp = false): Firing {
  const m = run.ir.milestones[inst.m]!;
  return {
    inst, event: null, owner: owns ? { kind: 'milestone', id: inst.id } : null,
    about: { kind: 'milestone', id: inst.id, title: m.title, dueAt: inst.dueAt }, catchUp,
    milestone: { title: m.title, dueAt: inst.dueAt, id: inst.id },
  };
}


function milestoneScope(run: Run, inst: MilestoneInstanceState): TemplateScope {
  return { milestone: { title: run.ir.milestones[inst.m]!.title, dueAt: inst.dueAt }, health: run.health, event: null };
}

/** The `source` of every action a playbook can fire, made once per playbook (and milestone instance). */
interface Sources {
  /** by trigger, by action */
  triggers: string[][];
  /** by risk, then (v2) by opportunity, by action */
  risks: string[][];
  /** by milestone instance id: its `on_done` and step sources */
  instances: Map<string, { onDone: string[]; steps: string[] }>;
}

const sourceCache = new WeakMap<PlaybookIR, Sources>();

function sourcesOf(ir: PlaybookIR): Sources {
  let sources = sourceCache.get(ir);
  if (sources === undefined) {
    sources = {
      triggers: ir.triggers.map((trigger) => trigger.actions.map((_, i) => `trigger/${trigger.id}/${i}`)),
      risks: [
        ...ir.risks.map((risk) => risk.actions.map((_, i) => `risk/${risk.id}/${i}`)),
        ...(ir.opportunities ?? []).map((o) => o.actions.map((_, i) => `opportunity/${o.id}/${i}`)),
      ],
      instances: new Map(),
    };
    sourceCache.set(ir, sources);
  }
  return sources;
}

function instanceSources(run: Run, inst: MilestoneInstanceState): { onDone: string[]; steps: string[] } {
  let out = run.sources.instances.get(inst.id);
  if (out === undefined) {
    const m = run.ir.milestones[inst.m]!;
    out = {
      onDone: m.onDone.map((_, i) => `milestone/${inst.id}/on_done/${i}`),
      steps: m.steps.map((_, i) => `milestone/${inst.id}/step/${i}`),
    };
    run.sources.instances.set(inst.id, out);
  }
  return out;
}

/** Steps 2-6 of reference §10 at instant `t`: milestones open, complete, become overdue, (v2) close; steps fire. */
function milestoneSteps(run: Run, t: number, manualNow: ManualCompletionInput[] | null, horizon: number, firstJudgement: boolean): void {
  const { ir, pb, s, out, c } = run;
  if (firstJudgement) {
    s.judged = true;
    for (let mi = 0; mi < s.milestones.length; mi++) {
      const inst = s.milestones[mi]!;
      const appliesWhen = pb.appliesWhen[inst.m];
      if (appliesWhen === undefined || appliesWhen === null) continue;
      c.inst = inst;
      const applies = appliesWhen(c) === true;
      c.inst = null;
      if (!applies) {
        transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: inst.state, to: 'skipped' });
        inst.state = 'skipped';
        inst.closedAt = t;
        inst.aggs = inst.since = null;
      }
    }
  }
  for (let mi = 0; mi < s.milestones.length; mi++) {
    const inst = s.milestones[mi]!;
    if (inst.state === 'pending' && Math.max(inst.opensAt, s.contract.start) <= t && inst.opensAt < Infinity) {
      transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: 'pending', to: 'open' });
      inst.state = 'open';
      inst.openedAt = t;
    }
  }

  // 3. Open or overdue milestones whose done_when holds complete; on_done fires.
  for (let mi = 0; mi < s.milestones.length; mi++) {
    const inst = s.milestones[mi]!;
    if (inst.state !== 'open' && inst.state !== 'overdue') continue;
    // A completion by hand completes it whatever done_when says (not evaluated then).
    const manual = manualNow === null ? undefined : manualNow.find((m) => m.milestone === inst.id);
    if (manual === undefined) {
      if (inst.openedAt !== t && !(inst.wake !== null && inst.wake <= t) && !intersects(pb.doneWhenReads[inst.m]!, run.dirty)) continue;
      c.inst = inst;
      const done = evaluateUntilFlip(pb.doneWhen[inst.m]!, c, run.probe, horizon, pb.doneWhenReadsHealth[inst.m]);
      c.inst = null;
      inst.wake = run.probe.flipWake;
      if (!done) continue;
    }
    const to = t <= inst.dueAt ? 'done' : 'late';
    if (manual === undefined) {
      transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: inst.state, to });
    } else {
      const by = { note: manual.note, by: manual.by };
      transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: inst.state, to, manual: by });
      inst.manual = by;
    }
    inst.state = to;
    inst.completedAt = t;
    inst.wake = null;
    const onDone = ir.milestones[inst.m]!.onDone;
    if (onDone.length > 0) {
      const scope = milestoneScope(run, inst);
      const sources = instanceSources(run, inst).onDone;
      // (v2) tasks opened by on_done belong to no milestone (reference §5.2): only a person or the term closes them
      const firing = run.v2 ? milestoneFiring(run, inst, false) : null;
      for (let i = 0; i < onDone.length; i++) fire(run, sources[i]!, onDone[i]!, scope, firing);
    }
    if (run.v2) closeOwned(run, 'milestone', inst.id, 'milestone_completed');
  }

  // 4. Open milestones at or past due become overdue.
  for (let mi = 0; mi < s.milestones.length; mi++) {
    const inst = s.milestones[mi]!;
    if (inst.state === 'open' && inst.dueAt <= t) {
      transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: 'open', to: 'overdue' });
      inst.state = 'overdue';
      inst.overdueAt = t;
    }
  }

  // 5. (v2) Milestones not completed whose closes has come are missed; their open tasks close.
  if (run.v2) {
    for (let mi = 0; mi < s.milestones.length; mi++) {
      const inst = s.milestones[mi]!;
      if (inst.closesAt === undefined || inst.closesAt > t) continue;
      if (inst.state !== 'pending' && inst.state !== 'open' && inst.state !== 'overdue') continue;
      transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: inst.state, to: 'missed' });
      inst.state = 'missed';
      inst.closedAt = t;
      inst.wake = null;
      closeOwned(run, 'milestone', inst.id, 'milestone_missed');
    }
  }

  // 6. Steps at t fire, for milestones opened and not completed, skipped or missed.
  for (let mi = 0; mi < s.milestones.length; mi++) {
    const inst = s.milestones[mi]!;
    if (inst.state !== 'open' && inst.state !== 'overdue') continue;
    const steps = ir.milestones[inst.m]!.steps;
    for (let i = 0; i < inst.steps.length; i++) {
      if (inst.steps[i] !== t) continue;
      fire(run, instanceSources(run, inst).steps[i]!, steps[i]!.action, milestoneScope(run, inst), run.v2 ? milestoneFiring(run, inst, true) : null);
    }
  }
}

/** Processes one instant `t` in reference §10 order, mutating the working state. */
function processInstant(run: Run, t: number): void {
  const { ir, pb, s, out, c } = run;
  run.t = t;
  run.keys = null;
  run.tText = null;
  c.now = t;
  c.wake = Infinity;
  c.inst = null;
  c.event = null;
  c.healthAt = NaN;
  const health = run.health;

  // Manual completions due by t are taken now (applied in step 3), so one
  // queued before contract.start is dropped rather than kept forever.
  const manualNow = takeManual(s, t);

  // 1. Events with at == t (and late ones) become visible, in order; triggers fire.
  const from = run.pendingFrom;
  let until = from;
  while (until < s.pending.length && s.pending[until]!.at <= t) until++;
  run.pendingFrom = until;
  const dirty = run.dirty;
  clearTypes(dirty);
  for (let i = from; i < until; i++) {
    const e = s.pending[i]!;
    s.seen++;
    const info = pb.types[e.type];
    // An event of a type no query reads changes nothing but the count of events seen.
    if (info === undefined) continue;
    makeVisible(pb, s, c, e, t, info);
    c.changedAt![info.index] = t;
    addType(dirty, info.index);
  }
  // (v2) Tasks closed by a person at t close (before the triggers fire).
  if (s.taskCloses !== undefined) {
    const closes = takeTaskCloses(s, t);
    for (const close of closes) {
      const index = s.openTasks!.findIndex((i) => s.tasks![i]!.id === close.task);
      if (index >= 0) closeTask(run, s.openTasks![index]!, 'done', { by: close.by ?? undefined, note: close.note ?? undefined });
    }
  }
  for (let i = from; i < until; i++) {
    const e = s.pending[i]!;
    if (e.at < s.enrolledAt) continue;
    for (let ti = 0; ti < ir.triggers.length; ti++) {
      const trigger = ir.triggers[ti]!;
      const cq = pb.queries[trigger.on];
      if (cq === undefined || cq.query.event !== e.type || !whereHolds(cq, c, e.data)) continue;
      const event = { type: e.type, data: e.data };
      const scope: TemplateScope = { milestone: null, health, event };
      const sources = run.sources.triggers[ti]!;
      const firing: Firing | null = run.v2
        ? { inst: null, event, owner: null, about: { kind: 'trigger', id: trigger.id }, catchUp: false, milestone: null }
        : null;
      for (let i = 0; i < trigger.actions.length; i++) fire(run, sources[i]!, trigger.actions[i]!, scope, firing);
    }
  }
  s.lastInstant = t;
  s.clock = t;
  if (t >= s.contract.start) evaluateFrom(run, t, manualNow);
  if (run.v2) {
    // 8. Tasks open at t and due at t fire their overdue actions.
    fireOverdue(run, t);
    // 9. Catch-up at the enrolment instant; a task it opens due at once is overdue at once too.
    if (s.catchUpAt !== undefined && s.catchUpAt <= t) {
      delete s.catchUpAt;
      if ((ir.catchUp ?? 'latest') !== 'none' && t >= s.contract.start) {
        catchUp(run, t);
        fireOverdue(run, t);
      }
    }
  }
  if (t >= s.contract.end) closeTerm(run, t);
}

/** Steps 2-7 of reference §10 at instant `t` (at or after contract.start): milestones, steps, risks and opportunities. */
function evaluateFrom(run: Run, t: number, manualNow: ManualCompletionInput[] | null): void {
  const { ir, pb, s, out, c } = run;
  const health = run.health;
  // Look ahead for a condition's flip no further than the next queued event: the
  // condition is evaluated again then anyway (probing past it would be wasted work).
  const horizon = Math.min(s.contract.end, s.pending[run.pendingFrom]?.at ?? Infinity);

  // 2. Milestones open (at contract.start: applies_when judged, some skipped).
  const firstJudgement = !s.judged;
  // Steps 2-5 have nothing to do before the milestones' next instant, unless an
  // event a pending done_when reads, or a manual completion, arrived.
  if (firstJudgement || t >= run.milestonesIdleUntil || manualNow !== null || intersects(run.openReads, run.dirty)) {
    run.milestonesKnown = false;
    milestoneSteps(run, t, manualNow, horizon, firstJudgement);
  }

  // 7. Risks, then (v2) opportunities: raised or cleared at the first instant their condition flips.
  const risks = run.signals;
  const nRisks = ir.risks.length;
  for (let ri = 0; ri < risks.length; ri++) {
    const risk = risks[ri]!;
    const opportunity = ri >= nRisks;
    const rs = opportunity ? s.opportunities![ri - nRisks]! : s.risks[ri]!;
    if (!firstJudgement && !(rs.wake !== null && rs.wake <= t) && !intersects(pb.riskReads[ri]!, run.dirty)) continue;
    let on: boolean;
    if (run.v2 && t < run.fromAt[ri]!) {
      // (v2) Before `from`, `when` counts as false; it is evaluated at `from` like any other instant.
      on = false;
      rs.wake = run.fromAt[ri]!;
    } else {
      on = evaluateUntilFlip(pb.riskWhen[ri]!, c, run.probe, horizon, pb.riskReadsHealth[ri]);
      rs.wake = run.probe.flipWake;
    }
    if (on === rs.on) continue;
    rs.on = on;
    if (!on) {
      const last = rs.raises[rs.raises.length - 1];
      if (last !== undefined) last[1] = t;
      transition(out, opportunity
        ? { at: t, kind: 'opportunity', opportunity: risk.id, change: 'cleared', actionsFired: false }
        : { at: t, kind: 'risk', risk: risk.id, change: 'cleared', actionsFired: false });
      if (run.v2) closeOwned(run, opportunity ? 'opportunity' : 'risk', risk.id, 'risk_cleared');
      continue;
    }
    rs.raises.push([t, null]);
    // "Last fired less than `cooldown` before": `now - cooldown < lastFired`, the same
    // reading as `within` (so a month's cooldown from Jan 31 ends on Mar 1, not Feb 28).
    const cooled = risk.cooldown === null || rs.lastFired === null || t >= windowExit(rs.lastFired, risk.cooldown);
    const fires = cooled && t >= s.enrolledAt;
    const raised: Transition = opportunity
      ? { at: t, kind: 'opportunity', opportunity: risk.id, change: 'raised', actionsFired: fires }
      : { at: t, kind: 'risk', risk: risk.id, change: 'raised', actionsFired: fires };
    transition(out, raised);
    if (!fires) continue;
    if (!run.v2) {
      rs.lastFired = t;
      const scope: TemplateScope = { milestone: null, health, event: null };
      const sources = run.sources.risks[ri]!;
      for (let i = 0; i < risk.actions.length; i++) fire(run, sources[i]!, risk.actions[i]!, scope);
      continue;
    }
    // (v2) An action held back by its `when` does not count as fired (for the cooldown either).
    const firedAny = fireSignal(run, ri, false);
    if (firedAny) rs.lastFired = t;
    (raised as { actionsFired: boolean }).actionsFired = firedAny;
  }
}

/** (v2) Fires a raised risk's or opportunity's actions (at its raise, or by catch-up); did any fire. */
function fireSignal(run: Run, ri: number, catchUp: boolean): boolean {
  const risk = run.signals[ri]!;
  const kind = ri >= run.ir.risks.length ? 'opportunity' : 'risk';
  const scope: TemplateScope = { milestone: null, health: run.health, event: null };
  const firing: Firing = { inst: null, event: null, owner: { kind, id: risk.id }, about: { kind, id: risk.id, title: risk.title }, catchUp, milestone: null };
  const sources = run.sources.risks[ri]!;
  let firedAny = false;
  for (let i = 0; i < risk.actions.length; i++) if (fire(run, sources[i]!, risk.actions[i]!, scope, firing)) firedAny = true;
  return firedAny;
}

/** (v2) reference §10 step 8: open tasks due at `t` fire their overdue actions (tasks they open too, when due at once). */
function fireOverdue(run: Run, t: number): void {
  const s = run.s;
  const open = s.openTasks!;
  // `open` grows while it is walked: a task an overdue action opens, due at once, is overdue at once.
  for (let i = 0; i < open.length; i++) {
    const index = open[i]!;
    const task = s.tasks![index]!;
    if (!task.overduePending || task.dueAt > t) continue;
    s.tasks![index] = { ...task, overduePending: false };
    const action = actionAt(run.ir, task.source);
    if (action === null || action.kind !== 'open_task' || action.overdue === undefined) continue;
    const scope: TemplateScope = { milestone: task.milestone ?? null, health: run.health, event: task.event ?? null, task: { title: task.title, dueAt: task.dueAt } };
    const inst = task.milestone === undefined ? null : s.milestones.find((x) => x.id === task.milestone!.id) ?? null;
    const firing: Firing = {
      inst, event: task.event ?? null, owner: null, about: { kind: 'task', id: task.id, title: task.title, dueAt: task.dueAt }, catchUp: false,
      milestone: task.milestone ?? null,
    };
    for (let j = 0; j < action.overdue.length; j++) fire(run, `${task.source}/overdue/${j}`, action.overdue[j]!, scope, firing);
  }
}

/**
 * (v2) reference §10 step 9 at the enrolment instant: each open or overdue
 * milestone instance fires the latest of its steps before `t` and not before
 * its opens; each risk and opportunity raised before `t` and still raised
 * fires its actions (cooldown as usual). Every such action is marked catch-up.
 */
function catchUp(run: Run, t: number): void {
  const { ir, s } = run;
  for (const inst of s.milestones) {
    if (inst.state !== 'open' && inst.state !== 'overdue') continue;
    let best = -1;
    for (let i = 0; i < inst.steps.length; i++) {
      const at = inst.steps[i]!;
      if (at < t && at >= inst.opensAt && (best < 0 || at >= inst.steps[best]!)) best = i;
    }
    if (best < 0) continue;
    const step = ir.milestones[inst.m]!.steps[best]!;
    fire(run, instanceSources(run, inst).steps[best]!, step.action, milestoneScope(run, inst), milestoneFiring(run, inst, true, true));
  }
  for (let ri = 0; ri < run.signals.length; ri++) {
    const risk = run.signals[ri]!;
    const rs = ri >= ir.risks.length ? s.opportunities![ri - ir.risks.length]! : s.risks[ri]!;
    const last = rs.raises[rs.raises.length - 1];
    if (!rs.on || last === undefined || last[0] >= t) continue;
    const cooled = risk.cooldown === null || rs.lastFired === null || t >= windowExit(rs.lastFired, risk.cooldown);
    if (cooled && fireSignal(run, ri, true)) rs.lastFired = t;
  }
}

/**
 * (v2) The action a source names: `milestone/<instance>/step|on_done/<i>`,
 * `risk/<id>/<i>`, `opportunity/<id>/<i>`, `trigger/<id>/<i>`, each followed
 * by any number of `/overdue/<j>`. Null when it names none.
 */
export function actionAt(ir: PlaybookIR, source: string): Action | null {
  const parts = source.split('/');
  let action: Action | undefined;
  let rest: string[];
  if (parts[0] === 'milestone') {
    const id = parts[1]!.replace(/#\d+$/, '');
    const m = ir.milestones.find((x) => x.id === id);
    const i = Number(parts[3]);
    action = m === undefined ? undefined : parts[2] === 'step' ? m.steps[i]?.action : parts[2] === 'on_done' ? m.onDone[i] : undefined;
    rest = parts.slice(4);
  } else {
    const list = parts[0] === 'risk' ? ir.risks : parts[0] === 'opportunity' ? ir.opportunities ?? [] : parts[0] === 'trigger' ? ir.triggers : [];
    action = (list as Array<{ id: string; actions: Action[] }>).find((x) => x.id === parts[1])?.actions[Number(parts[2])];
    rest = parts.slice(3);
  }
  for (let k = 0; action !== undefined && k < rest.length; k += 2) {
    if (rest[k] !== 'overdue' || action.kind !== 'open_task') return null;
    action = action.overdue?.[Number(rest[k + 1])];
  }
  return action ?? null;
}

/** reference §10 step 10: at contract.end the term closes: what is not completed or skipped is missed, (v2) every open task closes. */
function closeTerm(run: Run, t: number): void {
  const { ir, s, out } = run;
  {
    for (let mi = 0; mi < s.milestones.length; mi++) {
      const inst = s.milestones[mi]!;
      if (inst.state === 'pending' || inst.state === 'open' || inst.state === 'overdue') {
        transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: inst.state, to: 'missed' });
        inst.state = 'missed';
        inst.closedAt = t;
        inst.wake = null;
      }
    }
    for (const rs of s.risks) rs.wake = null;
    if (run.v2) {
      for (const rs of s.opportunities!) rs.wake = null;
      for (const index of s.openTasks!.slice()) closeTask(run, index, 'term_closed');
      delete s.taskCloses;
      delete s.catchUpAt;
    }
    s.closed = true;
    s.pending = [];
    delete s.manual;
    transition(out, { at: t, kind: 'term', outcome: outcomeOf(ir, s) });
  }
}

/** (v2) Takes the queued task closes with `at <= t` off the queue (replacing it, never changing it). */
function takeTaskCloses(s: JourneyState, t: number): TaskCloseInput[] {
  const queue = s.taskCloses!;
  let n = 0;
  while (n < queue.length && queue[n]!.at <= t) n++;
  if (n === 0) return [];
  if (n === queue.length) delete s.taskCloses;
  else s.taskCloses = queue.slice(n);
  return queue.slice(0, n);
}

/**
 * Takes the queued manual completions with `at <= t` off the queue (the
 * working copy's; the queue array itself is shared with the input state, so
 * it is replaced, never changed). `null` when there are none.
 */
function takeManual(s: JourneyState, t: number): ManualCompletionInput[] | null {
  const queue = s.manual;
  if (queue === undefined) return null;
  let n = 0;
  while (n < queue.length && queue[n]!.at <= t) n++;
  if (n === 0) return null;
  // An empty queue is removed, so the state is the shape it was before any manual completion.
  if (n === queue.length) delete s.manual;
  else s.manual = queue.slice(n);
  return queue.slice(0, n);
}

function transition(out: Advance, t: Transition): void {
  out.transitions.push(t);
}

/** Makes one event visible at instant t: running aggregates, the `within` buffer. */
function makeVisible(pb: CompiledPlaybook, s: JourneyState, c: EvalContext, e: QueuedEvent, t: number, info: EventTypeInfo): void {
  const aggregating = info.aggregating;
  if (aggregating.length > 0) {
    c.event = e.data;
    for (let qi = 0; qi < aggregating.length; qi++) {
      const cq = aggregating[qi]!;
      const field = cq.field;
      const value = field === null ? null : (e.data[field] ?? null);
      if (cq.perInstance) {
        for (let mi = 0; mi < s.milestones.length; mi++) {
          const inst = s.milestones[mi]!;
          const since = inst.since?.[cq.index];
          if (since === undefined || e.at < since || inst.aggs === null) continue;
          if (cq.where !== null && cq.where(c) !== true) continue;
          const agg = (inst.aggs[cq.index] ??= emptyAggregate(cq.distinct));
          addToAggregate(agg, e.at, value);
        }
        continue;
      }
      if (cq.since !== null) {
        const since = evalTime(cq.since, { start: s.contract.start, end: s.contract.end, opens: null, due: null });
        if (since === null || e.at < since) continue;
      }
      if (cq.where !== null && cq.where(c) !== true) continue;
      const agg = (s.aggs[cq.index] ??= emptyAggregate(cq.distinct));
      addToAggregate(agg, e.at, value);
    }
    c.event = null;
  }
  if (info.windowQueries.length > 0) insertIntoWindows(pb, s, c, e, t, info);
}

/** The journey's outcome once the term closed (reference §9). */
export function outcomeOf(ir: PlaybookIR, s: JourneyState): 'renewed' | 'churned' | 'ended' {
  const renewal = ir.milestones.findIndex((m) => m.renewal);
  if (renewal < 0) return 'ended';
  const completed = s.milestones.some((i) => i.m === renewal && i.completedAt !== null);
  return completed ? 'renewed' : 'churned';
}

/**
 * Does the playbook's `applies_to` hold for this customer (judged at
 * contract.start, with no events)? `true` when the playbook has none.
 */
export function appliesTo(ir: PlaybookIR, customer: JourneyCustomer, contract: Contract): boolean {
  const pb = compiled(ir);
  if (pb.appliesTo === null) return true;
  const s = startJourney(ir, { customer, contract, enrolledAt: contract.start });
  return pb.appliesTo(newContext(s, contract.start)) === true;
}
