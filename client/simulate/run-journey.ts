/**
 * Runs one journey in-process on a virtual clock: the same engine the durable
 * workflow runs, fed every event of a timeline up front and advanced to
 * `until` in one go (the engine processes each instant at which anything can
 * change; nothing is polled).
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { advanceJourney, findTask, journeyReport, receiveEvents, receiveTaskClose, startJourney } from '../../workflows/engine/index.ts';
import type { FiredAction, JourneyReport, JourneyState, Transition } from '../../workflows/engine/types.ts';
import { TimelineError } from './timeline.ts';
import type { Timeline, TimelineTaskClose } from './timeline.ts';

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
  let initial = receiveEvents(ir, started, timeline.events);
  const closes = timeline.tasks ?? [];
  for (const close of closes) initial = receiveTaskClose(ir, initial, { task: close.task, at: close.at, by: close.by ?? null, note: close.note ?? null });
  const { state, fired, transitions } = advanceJourney(ir, initial, until);
  if (closes.length > 0) checkClosedTasks(ir, timeline, closes, initial, state);
  return { report: journeyReport(ir, state, until), initial, state, fired, transitions, until };
}

/**
 * reference §11: a timeline closing a task the journey never opens is an error
 * (exit 2) naming its line. A task opened after `until` still counts as
 * opened (the journey is run to its end to know).
 */
function checkClosedTasks(ir: PlaybookIR, timeline: Timeline, closes: readonly TimelineTaskClose[], initial: JourneyState, state: JourneyState): void {
  let whole: JourneyState | null = null;
  for (const close of closes) {
    if (findTask(state, close.task) !== undefined) continue;
    whole ??= advanceJourney(ir, initial, timeline.contract.end).state;
    if (findTask(whole, close.task) !== undefined) continue;
    const where = close.line === undefined ? timeline.file : `${timeline.file}:${close.line}`;
    throw new TimelineError(`${where}: tasks: the journey never opens a task '${close.task}'`);
  }
}
