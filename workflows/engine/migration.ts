/**
 * Migrating a running journey to a new version of its playbook (reference §10,
 * `deploy --migrate`): an enrolment in the new version at the migration
 * instant, with catch-up, except that catch-up fires no action whose source
 * already fired in the journey, and the journey's report keeps every action
 * fired before the migration (under the version that fired it).
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { receiveEvents, receiveManualCompletion, receiveTaskClose } from './journey-queue.ts';
import { startJourney } from './journey-start.ts';
import { parseInstant } from './instant.ts';
import { isV2 } from './language.ts';
import type { JourneyEvent, JourneyState } from './types.ts';

/** What a migration needs besides the journey it migrates. */
export interface MigrationInput {
  /** the migration instant (epoch ms): the new version's enrolment */
  at: number;
  /** every stored event of the customer, in arrival order: the new version is judged on all of them */
  events: readonly JourneyEvent[];
}

/**
 * The journey `previous` (advanced to just before `input.at`) as it goes on
 * under the new version `ir`: a fresh journey of `ir` enrolled at `input.at`
 * with every event, evaluated from contract.start; the manual completions of
 * `previous` carried (processed ones at the instants they completed at,
 * queued ones as queued), and so are task closes still queued; the actions
 * (and, for a version-2 IR, the tasks) of `previous` fired before `input.at`
 * kept at the head of its report; and catch-up at `input.at` (version 2)
 * never firing a source that already fired in `previous`. Advance it with
 * `advanceJourney` as usual: catch-up runs when instant `input.at` is processed.
 */
export function migrateJourney(ir: PlaybookIR, previous: JourneyState, input: MigrationInput): JourneyState {
  const { at } = input;
  let s = startJourney(ir, { customer: previous.customer, contract: previous.contract, enrolledAt: at });
  s = receiveEvents(ir, s, input.events);
  for (const inst of previous.milestones) {
    if (inst.manual !== undefined && inst.completedAt !== null) {
      s = receiveManualCompletion(ir, s, { milestone: inst.id, at: inst.completedAt, note: inst.manual.note, by: inst.manual.by });
    }
  }
  for (const queued of previous.manual ?? []) s = receiveManualCompletion(ir, s, queued);
  const kept = previous.actions.filter((a) => parseInstant(a.at)! < at);
  const fired = new Set<string>(previous.firedBefore ?? []);
  for (const a of previous.actions) fired.add(a.source);
  s = { ...s, actions: kept };
  if (!isV2(ir)) return s;
  // Tasks opened before the migration stay the journey's: still open ones can be closed by a
  // person or the term, or by the new version's milestone instance or risk of the same id.
  const tasks = (previous.tasks ?? []).filter((t) => t.openedAt < at);
  const openTasks: number[] = [];
  tasks.forEach((t, i) => {
    if (t.closedAt === null) openTasks.push(i);
  });
  s = { ...s, tasks, openTasks, firedBefore: [...fired] };
  for (const close of previous.taskCloses ?? []) s = receiveTaskClose(ir, s, close);
  return s;
}
