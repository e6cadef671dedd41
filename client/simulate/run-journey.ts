/**
 * Runs one journey in-process on a virtual clock: the same engine the durable
 * workflow runs, fed every event of a timeline up front and advanced to
 * `until` in one go (the engine processes each instant at which anything can
 * change; nothing is polled).
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { advanceJourney, journeyReport, receiveEvents, startJourney } from '../../workflows/engine/index.ts';
import type { FiredAction, JourneyReport, JourneyState, Transition } from '../../workflows/engine/types.ts';
import type { Timeline } from './timeline.ts';

export interface SimulateOptions {
  /** Report instant, epoch ms; default `contract.end`. */
  until?: number;
  /** Enrolment instant, epoch ms; default `contract.start`. */
  enrolledAt?: number;
}

export interface Simulation {
  report: JourneyReport;
  /** the journey with every event received and nothing processed (for `explain`) */
  initial: JourneyState;
  /** the journey as of `until` */
  state: JourneyState;
  fired: FiredAction[];
  transitions: Transition[];
  until: number;
}

/** Simulates a timeline against a compiled playbook. */
export function simulateJourney(ir: PlaybookIR, timeline: Timeline, options: SimulateOptions = {}): Simulation {
  const until = options.until ?? timeline.contract.end;
  const enrolledAt = options.enrolledAt ?? timeline.contract.start;
  const started = startJourney(ir, { customer: timeline.customer, contract: timeline.contract, enrolledAt });
  const initial = receiveEvents(ir, started, timeline.events);
  const { state, fired, transitions } = advanceJourney(ir, initial, until);
  return { report: journeyReport(ir, state, until), initial, state, fired, transitions, until };
}
