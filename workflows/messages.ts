/**
 * The journey workflow's messages, defined once and shared by the workflow and
 * its clients (gateway, CLI, simulator). Each constant shares its name with
 * its wire string; client code imports the constant, never a string.
 *
 * 👉 Signals may arrive at any time, also before the handler is registered:
 *    Temporal buffers them and the workflow sees every one exactly once.
 * 👉 Queries never mutate state.
 * 👉 Updates validate first (the validator may reject without touching
 *    history), then mutate.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PlaybookIR } from '../dsl/ir/schema.ts';
import type { JourneyEvent, JourneyReport, MilestoneState, Outcome } from './engine/types.ts';
import type { TaskEntry } from './journey-driver.ts';

export type { TaskEntry };

/** Customer events for the journey, in the order they were produced. */
export const deliverEvents = defineSignal<[JourneyEvent[]]>('deliverEvents');

/**
 * The journey's report (reference §12). `until` (domain epoch ms) defaults to the
 * last instant the journey has processed.
 */
export const getReport = defineQuery<JourneyReport, [number?]>('getReport');

/** A small summary of where the journey stands. */
export interface JourneyProgress {
  playbook: string;
  playbookHash: string;
  customer: string;
  outcome: Outcome;
  /** The last domain instant processed, ISO-8601. */
  processedUntil: string | null;
  /** The next domain instant the journey wakes for, ISO-8601, or null when done. */
  nextWake: string | null;
  /** Milestone id (instances as `<id>#<k>`) to state. */
  milestones: Record<string, MilestoneState>;
  /** Events received but not yet visible (their instant is still to come). */
  pendingEvents: number;
  actionsFired: number;
  /** Domain time minus workflow time (zero in production; see domain-clock.ts). */
  clockOffsetMs: number;
}

/** Where the journey stands, see {@link JourneyProgress}. */
export const getProgress = defineQuery<JourneyProgress>('getProgress');

/** A milestone completed by hand (a CSM confirming what no event shows). */
export interface ManualCompletion {
  milestone: string;
  note: string;
  /** Who completed it (a person), recorded in the ledger. */
  by: string;
}

/** Completes a milestone by hand, validated: it must exist and be open or overdue. */
export const completeMilestone = defineUpdate<JourneyProgress, [ManualCompletion]>('completeMilestone');

/** A journey moved to a new version of its playbook (`milepost deploy --migrate`). */
export interface JourneyMigration {
  /** The new version's IR: same playbook id, another source hash. */
  ir: PlaybookIR;
  /** Every stored event of the customer, in arrival order: the new version is judged on all of them. */
  events: JourneyEvent[];
  /** Who migrated it, for the ledger. */
  by: string;
}

/**
 * Re-pins the journey to a new playbook version, validated (same playbook,
 * another version, term still running). From the migration instant the
 * journey follows the new version, with its states recomputed from every
 * event since the contract start; nothing before the migration fires again.
 * Recorded in the ledger (`migration`).
 */
export const migrateJourney = defineUpdate<JourneyProgress, [JourneyMigration]>('migrateJourney');

/** A task closed by a person (reference §5.2 reason `done`). */
export interface TaskClose {
  /** The journey's task id (reference §5.2: `<source>@<ISO opened_at>[#n]`). */
  task: string;
  /** Who closed it (a person), recorded with the close. */
  by: string;
  note?: string | null;
}

/**
 * Closes a task by hand, at the journey's domain instant when received, and
 * returns the task's report entry once that instant is processed (its
 * `overdue` actions then never fire). Idempotent: a closed task is returned
 * unchanged. Refused by the validator, with nothing written to history,
 * when `by` is empty (failure type `InvalidRequest`) or the journey has no
 * such task (`UnknownTask`).
 */
export const closeTask = defineUpdate<TaskEntry, [TaskClose]>('closeTask');
