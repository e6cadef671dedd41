/**
 * The journey driver: the pure bookkeeping between Temporal's clock and the
 * journey engine. No Temporal API here, so the equal-instant rule below is
 * tested in-process and the workflow stays a thin shell.
 *
 * ## The equal-instant rule
 *
 * An event with `at == t` must be visible at instant `t` (reference §10: events
 * first, then milestones, steps, risks). A timer for `t` and a signal carrying
 * an event at `t` can reach the workflow in either order, in the same
 * workflow task or in different ones. The driver therefore processes instant
 * `t` only once domain time is past it: a wake-up at domain time `now`
 * advances the engine to `now - 1` ms, and the workflow sleeps until
 * `next instant + 1` ms. Temporal gives each workflow task one time, no
 * earlier than any signal it carries, and runs signal handlers before the
 * workflow's own code resumes. So a signal sent at or before `t` is either in
 * an earlier task (queued in the engine, which holds it until its instant) or
 * in the very task that first has `now > t`, where it is queued before the
 * engine advances. Either way the event is visible at instant `t`, exactly as
 * in the simulator. An event that arrives later than that is late: its
 * instant is already history, and the engine applies it at the first instant
 * not yet processed (docs/engine.md).
 *
 * Events may also arrive early (the simulator signals them ahead of their
 * instant; an enrolment carries the customer's stored events): the engine
 * queues them and {@link nextWake} includes them.
 *
 * A milestone completed by hand ({@link acceptManualCompletion}) is queued
 * at the journey's current domain instant `now` and processed by the same
 * rule: the workflow wakes at `now + 1` ms and processes instant `now`.
 */
import type { PlaybookIR } from '../dsl/ir/schema.ts';
import { advanceJourney, journeyReport, migrateJourney, nextInstant, receiveEvents, receiveManualCompletion, receiveTaskClose, startJourney } from './engine/index.ts';
import type {
  Contract, FiredAction, JourneyCustomer, JourneyEvent, JourneyReport, JourneyState, ManualCompletionInput, Transition,
} from './engine/types.ts';

/** Everything the driver keeps; JSON-serialisable, carried across continue-as-new. */
export interface DriverState {
  engine: JourneyState;
  /** Ids of recently received events, to ignore a re-delivered signal. Bounded. */
  recentEventIds: string[];
  actionsFired: number;
}

/** What processing up to some instant produced, in firing order. */
export interface Progress {
  fired: FiredAction[];
  transitions: Transition[];
}

/** How many event ids are remembered for de-duplication (the API de-duplicates durably). */
const RECENT_EVENT_IDS = 500;

/** A fresh driver for a journey enrolled at `enrolledAt` (domain ms). */
export function startDriver(ir: PlaybookIR, customer: JourneyCustomer, contract: Contract, enrolledAt: number): DriverState {
  return { engine: startJourney(ir, { customer, contract, enrolledAt }), recentEventIds: [], actionsFired: 0 };
}

/**
 * Takes events in, in arrival order (which orders equal instants). An event
 * whose `id` was received recently is ignored: a re-delivered signal.
 */
export function acceptEvents(ir: PlaybookIR, driver: DriverState, events: readonly JourneyEvent[]): void {
  const fresh: JourneyEvent[] = [];
  for (const event of events) {
    if (event.id !== undefined) {
      if (driver.recentEventIds.includes(event.id)) continue;
      driver.recentEventIds.push(event.id);
      if (driver.recentEventIds.length > RECENT_EVENT_IDS) driver.recentEventIds.shift();
    }
    fresh.push(event);
  }
  driver.engine = receiveEvents(ir, driver.engine, fresh);
}

/**
 * Queues a milestone completed by hand at domain instant `completion.at`
 * (the workflow passes its `now`); it is processed with that instant, so
 * {@link nextWake} includes it.
 */
export function acceptManualCompletion(ir: PlaybookIR, driver: DriverState, completion: ManualCompletionInput): void {
  driver.engine = receiveManualCompletion(ir, driver.engine, completion);
}

/** Are manual completions or task closes queued, not processed yet? (Their updates wait for them.) */
export function messagesQueued(driver: DriverState): boolean {
  return (driver.engine.manual?.length ?? 0) > 0 || queuedTaskCloses(driver) > 0;
}

/** A task of the journey as its report lists it (reference §12 `tasks`). */
export type TaskEntry = NonNullable<JourneyReport['tasks']>[number];

/** A task closed by a person: `at` is the journey's domain instant when the close was received. */
export interface TaskCloseAt {
  task: string;
  at: number;
  by?: string | null;
  note?: string | null;
}

/** The task `taskId` as of the last processed instant, or undefined when the journey has opened no such task. */
export function taskEntry(ir: PlaybookIR, driver: DriverState, taskId: string, start: number): TaskEntry | undefined {
  // Version-1 journeys have no tasks in their report (and no task ids): every close is UnknownTask.
  if (driver.engine.tasks?.some((t) => t.id === taskId) !== true) return undefined;
  return driverReport(ir, driver, processedUntil(driver) ?? start).tasks?.find((t) => t.id === taskId);
}

/**
 * Queues a person's close of a task at domain instant `close.at` (the
 * workflow passes its `now`), processed with that instant like a manual
 * completion; closing a task that closed meanwhile changes nothing (the
 * engine's rule), so a close racing the journey's own auto-close is harmless.
 */
export function acceptTaskClose(ir: PlaybookIR, driver: DriverState, close: TaskCloseAt): void {
  driver.engine = receiveTaskClose(ir, driver.engine, close);
}

function queuedTaskCloses(driver: DriverState): number {
  return driver.engine.taskCloses?.length ?? 0;
}

/** Why a request from outside (a completion, a task close) cannot apply; `kind` becomes the failure's type. */
export interface Refusal {
  kind: 'InvalidRequest' | 'UnknownMilestone' | 'MilestoneNotOpen' | 'UnknownTask';
  message: string;
}

/** Whether a manual completion can apply now (before anything is written): null when it can. */
export function completionRefusal(ir: PlaybookIR, driver: DriverState, completion: { milestone: string; note: string; by: string }, start: number): Refusal | null {
  if (completion.note.trim() === '') return { kind: 'InvalidRequest', message: 'a manual completion needs a note' };
  if (completion.by.trim() === '') return { kind: 'InvalidRequest', message: "a manual completion needs 'by' (who completed it)" };
  const report = driverReport(ir, driver, processedUntil(driver) ?? start);
  const milestone = report.milestones.find((m) => m.id === completion.milestone);
  if (!milestone) {
    return { kind: 'UnknownMilestone', message: `unknown milestone '${completion.milestone}' (${report.milestones.map((m) => m.id).join(', ')})` };
  }
  if (milestone.state !== 'open' && milestone.state !== 'overdue') {
    return { kind: 'MilestoneNotOpen', message: `milestone '${completion.milestone}' is ${milestone.state}; only an open or overdue milestone can be completed` };
  }
  return null;
}

/** Whether a person's close of a task can be taken (a closed task can: it is returned unchanged): null when it can. */
export function taskCloseRefusal(ir: PlaybookIR, driver: DriverState, close: { task: string; by: string }, start: number): Refusal | null {
  if (typeof close.by !== 'string' || close.by.trim() === '') return { kind: 'InvalidRequest', message: "a task close needs 'by' (who closed it)" };
  if (taskEntry(ir, driver, close.task, start) === undefined) return { kind: 'UnknownTask', message: `the journey has no task '${close.task}'` };
  return null;
}

/** Processes every instant strictly before domain time `now` (the equal-instant rule). */
export function catchUp(ir: PlaybookIR, driver: DriverState, now: number): Progress {
  const step = advanceJourney(ir, driver.engine, now - 1);
  driver.engine = step.state;
  driver.actionsFired += step.fired.length;
  return { fired: step.fired, transitions: step.transitions };
}

/** Every instant up to and including this one (domain ms) is processed; null before the first. */
export function processedUntil(driver: DriverState): number | null {
  return driver.engine.clock;
}

/**
 * The next domain instant the journey must be processed for, or `null` when
 * the term has closed. Wake up 1 ms after it (the equal-instant rule).
 */
export function nextWake(ir: PlaybookIR, driver: DriverState): number | null {
  return nextInstant(ir, driver.engine);
}

/** Events received whose instant is not processed yet. */
export function pendingEvents(driver: DriverState): number {
  return driver.engine.pending.length;
}

/** The journey's report as of `until` (domain ms). */
export function driverReport(ir: PlaybookIR, driver: DriverState, until: number): JourneyReport {
  return journeyReport(ir, driver.engine, until);
}

/** Whether the journey can move to `to` (same playbook, another version, term still running): null when it can. */
export function migrationRefusal(ir: PlaybookIR, driver: DriverState, to: PlaybookIR): Refusal | null {
  if (to.playbook !== ir.playbook) return { kind: 'InvalidRequest', message: `the journey follows '${ir.playbook}', not '${to.playbook}'` };
  if (to.sourceHash === ir.sourceHash) return { kind: 'InvalidRequest', message: `the journey is already on ${ir.sourceHash}` };
  if (nextWake(ir, driver) === null) return { kind: 'InvalidRequest', message: "the journey's term has closed" };
  return null;
}

/**
 * The journey moved to version `to` at domain instant `at`: the new version
 * judges the whole term from every stored event, as if the customer had
 * enrolled in it at `at` (what it would have fired before then is not fired
 * now), with the manual completions of the old version carried over and the
 * count of actions fired kept.
 */
export function migrateDriver(
  to: PlaybookIR, from: DriverState, journey: { customer: JourneyCustomer; contract: Contract }, at: number, events: readonly JourneyEvent[],
  how: { keepsFired: boolean },
): DriverState {
  let next: DriverState;
  if (how.keepsFired) {
    // reference §10: an enrolment in the new version at `at` with catch-up (version 2) that never
    // re-fires a source that already fired, keeping every action fired before `at` in the report.
    next = { engine: migrateJourney(to, from.engine, { at, events }), recentEventIds: from.recentEventIds.slice(), actionsFired: from.actionsFired };
  } else {
    // Journeys migrated before the engine's migration entry: the report starts over at `at`.
    next = startDriver(to, journey.customer, journey.contract, at);
    acceptEvents(to, next, events);
    carryManualCompletions(to, from, next);
  }
  catchUp(to, next, at);
  next.actionsFired = from.actionsFired;
  return next;
}

/**
 * The manual completions of the old version, for the new one (a migration
 * re-judges the whole term from the events alone, which know nothing of
 * them): those processed, at the instants they completed at, and those still
 * queued. A milestone the new version does not have drops them.
 */
function carryManualCompletions(ir: PlaybookIR, from: DriverState, to: DriverState): void {
  for (const inst of from.engine.milestones) {
    if (inst.manual === undefined || inst.completedAt === null) continue;
    acceptManualCompletion(ir, to, { milestone: inst.id, at: inst.completedAt, ...inst.manual });
  }
  for (const queued of from.engine.manual ?? []) acceptManualCompletion(ir, to, queued);
}
