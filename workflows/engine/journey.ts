/**
 * The journey engine: a pure, deterministic function of (IR, customer,
 * contract, events received, the instant to advance to). See docs/engine.md.
 *
 * Time is continuous: `nextInstant` (next-instant.ts) names the next instant at which
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
 * Manual completions (`receiveManualCompletion`, journey-queue.ts) are queued
 * the same way and complete their milestone instance in reference §10 step 3
 * of their instant, as if its `done_when` held then.
 *
 * This file holds an advance and one instant's order; the parts it runs are
 * journey-start.ts (a fresh journey), journey-queue.ts (what it receives),
 * journey-run.ts (what an advance works with), next-instant.ts, milestone-steps.ts
 * (§10 steps 2-6), signals.ts (step 7) and firing.ts (actions, tasks, catch-up).
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { addToAggregate, emptyAggregate } from './aggregates.ts';
import type { TemplateScope } from './actions.ts';
import { evalTime } from './calendar.ts';
import type { CompiledPlaybook, EvalContext, EventTypeInfo } from './compiled-playbook.ts';
import { compiled } from './evaluator.ts';
import { catchUp, closeTask, fire, fireOverdue } from './firing.ts';
import type { Firing } from './firing.ts';
import { takeManual, takeTaskCloses } from './journey-queue.ts';
import { newRun, transition } from './journey-run.ts';
import type { Advance, Run } from './journey-run.ts';
import { milestoneSteps } from './milestone-steps.ts';
import { nextInstantFrom } from './next-instant.ts';
import { whereHolds } from './query-match.ts';
import { judgeSignals } from './signals.ts';
import { addType, clearTypes, intersects } from './type-set.ts';
import type { JourneyState, ManualCompletionInput, QueuedEvent, RiskState } from './types.ts';
import { insertIntoWindows } from './window.ts';

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
  const run = newRun(ir, pb, s, out);
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

/** Processes one instant `t` in reference §10 order, mutating the working state. */
function processInstant(run: Run, t: number): void {
  const { ir, pb, s, c } = run;
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
  const s = run.s;
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
  judgeSignals(run, t, horizon, firstJudgement);
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
