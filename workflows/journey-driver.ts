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
 * `next instant + 1` ms. Temporal gives a workflow task one time, no earlier
 * than every signal it carries, so any signal sent at or before `t` is either
 * in an earlier task (buffered as pending) or in the very task that first has
 * `now > t` — and signals are applied before the task's loop runs. Either way
 * the event is fed to the engine before instant `t` is processed, exactly as
 * in the simulator. An event arriving later than that is late (its instant is
 * already history) and is handed to the engine as such.
 *
 * Events may also arrive early (the simulator signals them ahead of their
 * instant; an integration may send a scheduled event): they wait in `pending`,
 * sorted by instant with arrival order kept for equal instants, and the
 * journey wakes for them.
 */
import type { PlaybookIR } from '../dsl/ir/schema.ts';
import { advanceJourney, journeyReport, nextInstant, receiveEvent, startJourney } from './engine/index.ts';
import type { Contract, FiredAction, JourneyCustomer, JourneyEvent, JourneyReport, Transition } from './engine/types.ts';

/** The engine's JSON state. */
export type EngineState = ReturnType<typeof startJourney>;

/** Everything the driver keeps; JSON-serialisable, carried across continue-as-new. */
export interface DriverState {
  engine: EngineState;
  /** Events received whose instant has not been processed yet, by `at` then arrival. */
  pending: JourneyEvent[];
  /** Every instant up to and including this one (domain ms) is processed; null before the first. */
  processedUntil: number | null;
  /** Ids of recently received events, to ignore a re-delivered signal. Bounded. */
  recentEventIds: string[];
  actionsFired: number;
}

/** What processing up to some instant produced, in firing order. */
export interface Progress {
  fired: FiredAction[];
  transitions: Transition[];
}

const RECENT_EVENT_IDS = 500;

/** A fresh driver for a journey enrolled at `enrolledAt` (domain ms). */
export function startDriver(ir: PlaybookIR, customer: JourneyCustomer, contract: Contract, enrolledAt: number): DriverState {
  return {
    engine: startJourney(ir, { customer, contract, enrolledAt }),
    pending: [],
    processedUntil: null,
    recentEventIds: [],
    actionsFired: 0,
  };
}

/**
 * Takes events in. They become visible when their instant is processed
 * (see {@link catchUp}); an event whose `id` was already received is ignored.
 */
export function acceptEvents(driver: DriverState, events: readonly JourneyEvent[]): void {
  for (const event of events) {
    if (event.id !== undefined) {
      if (driver.recentEventIds.includes(event.id)) continue;
      driver.recentEventIds.push(event.id);
      if (driver.recentEventIds.length > RECENT_EVENT_IDS) driver.recentEventIds.shift();
    }
    // Insert after every pending event with at <= event.at: a stable sort by instant.
    let index = driver.pending.length;
    while (index > 0 && driver.pending[index - 1]!.at > event.at) index -= 1;
    driver.pending.splice(index, 0, event);
  }
}

/**
 * Processes every instant strictly before domain time `now`: the pending
 * events due by then are fed to the engine just before their instant, and the
 * engine advances to `now - 1`.
 */
export function catchUp(ir: PlaybookIR, driver: DriverState, now: number): Progress {
  const target = now - 1;
  const progress: Progress = { fired: [], transitions: [] };
  while (driver.pending.length > 0 && driver.pending[0]!.at <= target) {
    const event = driver.pending.shift()!;
    // Instants before the event's are complete without it; the event's own is not processed yet.
    advanceTo(ir, driver, event.at - 1, progress);
    driver.engine = receiveEvent(ir, driver.engine, event);
  }
  advanceTo(ir, driver, target, progress);
  return progress;
}

function advanceTo(ir: PlaybookIR, driver: DriverState, to: number, progress: Progress): void {
  if (driver.processedUntil !== null && to <= driver.processedUntil) return;
  const step = advanceJourney(ir, driver.engine, to);
  driver.engine = step.state;
  driver.processedUntil = to;
  driver.actionsFired += step.fired.length;
  progress.fired.push(...step.fired);
  progress.transitions.push(...step.transitions);
}

/**
 * The domain instant the journey must next be processed for: the engine's next
 * instant or the earliest pending event, whichever comes first; `null` when the
 * journey has nothing left to do (the term closed and no event is pending).
 * Wake up 1 ms after it (the equal-instant rule).
 */
export function nextWake(ir: PlaybookIR, driver: DriverState): number | null {
  const engineNext = nextInstant(ir, driver.engine);
  const eventNext = driver.pending[0]?.at ?? null;
  if (engineNext === null) return eventNext === null ? null : eventNext;
  return eventNext === null ? engineNext : Math.min(engineNext, eventNext);
}

/** The journey's report as of `until` (domain ms). */
export function driverReport(ir: PlaybookIR, driver: DriverState, until: number): JourneyReport {
  return journeyReport(ir, driver.engine, until);
}
