/**
 * What a journey receives between advances, queued until its instant is
 * processed: events, manual completions, (v2) task closes; and how an instant
 * takes the queued completions and closes off their queues.
 *
 * Late input: one at or before the journey's clock is applied at `clock + 1 ms`
 * (see journey.ts); one after `contract.end` or after the term closed is ignored.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import type { JourneyEvent, JourneyState, ManualCompletionInput, QueuedEvent, TaskCloseInput, TaskState } from './types.ts';

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

/** (v2) Takes the queued task closes with `at <= t` off the queue (replacing it, never changing it). */
export function takeTaskCloses(s: JourneyState, t: number): TaskCloseInput[] {
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
export function takeManual(s: JourneyState, t: number): ManualCompletionInput[] | null {
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
