/**
 * The journey engine: Milepost's semantics (reference §3–§12) as a pure,
 * deterministic function, run unchanged by the simulator and inside the
 * Temporal workflow sandbox (no Node API, no clock, no randomness, no I/O).
 *
 * ```ts
 * let state = startJourney(ir, { customer, contract, enrolledAt });
 * state = receiveEvent(ir, state, event);          // queue; visible at event.at
 * const { state: next, fired, transitions } = advanceJourney(ir, state, to);
 * const wake = nextInstant(ir, next);              // sleep until then (null: term closed)
 * const report = journeyReport(ir, next, until);   // reference §12
 * ```
 *
 * See docs/engine.md for the decisions SPEC leaves open (late events, opens
 * before the contract start, skipped repeating milestones, ...).
 */
export { startJourney, appliesTo, MAX_INSTANCES } from './journey-start.ts';
export type { JourneyStartInput } from './journey-start.ts';
export { receiveEvent, receiveEvents, receiveManualCompletion, receiveTaskClose, findTask } from './journey-queue.ts';
export { advanceJourney, cloneState, outcomeOf } from './journey.ts';
export type { Advance } from './journey-run.ts';
export { nextInstant } from './next-instant.ts';
export { actionAt } from './firing.ts';
export { migrateJourney } from './migration.ts';
export type { MigrationInput } from './migration.ts';
export { journeyHealth } from './journey-health.ts';
export type { JourneyHealth } from './journey-health.ts';
export { isV2 } from './language.ts';
export { journeyReport, milestoneStateAt, nextTerm } from './report.ts';
export { explain } from './explain.ts';
export type { ExplainOptions } from './explain.ts';
export { checkCustomer, checkEvent, readCustomerAttrs, readEvent, convertValue, convertInstant, describeType } from './declarations.ts';
export type { RawEvent, ValueSource, Converted } from './declarations.ts';
export { parseInstant, formatInstant, formatDate } from './instant.ts';
export { addDuration, addMonths, evalTime, DAY_MS, HOUR_MS, WEEK_MS } from './calendar.ts';
export type * from './types.ts';
