/**
 * The journey driver: the pure bookkeeping between Temporal's clock and the
 * journey engine. No Temporal API here, so the equal-instant rule below is
 * tested in-process and the workflow stays a thin shell.
 *
 * ## The equal-instant rule
 *
 * An event with `at == t` must be visible at instant `t` (SPEC §10: events
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
import { advanceJourney, journeyReport, nextInstant, receiveEvents, receiveManualCompletion, startJourney } from './engine/index.ts';
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

/** Are manual completions queued, not processed yet? */
export function manualCompletionsQueued(driver: DriverState): boolean {
  return (driver.engine.manual?.length ?? 0) > 0;
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
