/**
 * The next instant after a journey's clock at which anything can change: a
 * queued event, completion or task close, a task's due instant, a milestone's
 * opens, due, closes, step or done_when wake, a risk's or opportunity's wake,
 * `contract.end`. Nothing is polled: callers sleep until then.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import type { Run } from './journey-run.ts';
import { addTypes, clearTypes } from './type-set.ts';
import type { JourneyState } from './types.ts';

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
export function nextInstantFrom(state: JourneyState, pendingFrom: number, run: Run | null): number | null {
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
