/**
 * Turns what the engine reports (transitions, fired actions) into milestone
 * ledger rows, each with a stable idempotency key so a replayed or retried
 * write lands once.
 */
import type { LedgerEntry } from '../activities/types.ts';
import type { FiredAction, Transition } from './engine/types.ts';

/** ISO-8601 with milliseconds, the form every key and report uses. */
export function iso(at: number): string {
  return new Date(at).toISOString();
}

/**
 * The idempotency key of a fired action: `${journeyId}/${source}@${ISO instant}`,
 * plus the engine key's `#n` suffix when one source fires more than once at
 * one instant (a trigger matching several events at that instant).
 */
export function actionKey(journeyId: string, action: Pick<FiredAction, 'key' | 'source' | 'at'>): string {
  const repeat = /#\d+$/.exec(action.key)?.[0] ?? '';
  return `${journeyId}/${action.source}@${iso(action.at)}${repeat}`;
}

/**
 * One ledger row per transition, then one per fired action, in that order. A
 * milestone completed by hand is a `manual` row (its from/to states, and
 * `detail: { note, by }`) instead of a `milestone` row.
 */
export function ledgerEntries(journeyId: string, transitions: readonly Transition[], fired: readonly FiredAction[]): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (const t of transitions) {
    const entry = transitionEntry(journeyId, t);
    if (entry !== null) entries.push(entry);
  }
  for (const action of fired) {
    entries.push({
      idemKey: actionKey(journeyId, action),
      at: action.at,
      kind: 'action',
      subject: action.source,
      fromState: null,
      toState: action.kind,
      detail: { ...action },
    });
  }
  return entries;
}

/** The ledger row of a migration from version `from` to `to` (source hashes), by whom, judged on how many events. */
export function migrationEntry(journeyId: string, migration: { at: number; playbook: string; from: string; to: string; by: string; events: number }): LedgerEntry {
  return {
    idemKey: `${journeyId}/migration/${migration.from}->${migration.to}`, at: migration.at, kind: 'migration', subject: migration.playbook,
    fromState: migration.from, toState: migration.to, detail: { by: migration.by, events: migration.events },
  };
}

function transitionEntry(journeyId: string, t: Transition): LedgerEntry | null {
  switch (t.kind) {
    case 'milestone':
      // Completed by hand: its own kind, so the ledger shows who and why.
      if (t.manual !== undefined) {
        return {
          idemKey: `${journeyId}/milestone/${t.milestone}:${t.to}@${iso(t.at)}`,
          at: t.at, kind: 'manual', subject: t.milestone, fromState: t.from, toState: t.to, detail: { note: t.manual.note, by: t.manual.by },
        };
      }
      return {
        idemKey: `${journeyId}/milestone/${t.milestone}:${t.to}@${iso(t.at)}`,
        at: t.at, kind: 'milestone', subject: t.milestone, fromState: t.from, toState: t.to, detail: null,
      };
    case 'risk':
      return {
        idemKey: `${journeyId}/risk/${t.risk}:${t.change}@${iso(t.at)}`,
        at: t.at, kind: 'risk', subject: t.risk, fromState: null, toState: t.change, detail: { actionsFired: t.actionsFired },
      };
    case 'opportunity':
      return {
        idemKey: `${journeyId}/opportunity/${t.opportunity}:${t.change}@${iso(t.at)}`,
        at: t.at, kind: 'opportunity', subject: t.opportunity, fromState: null, toState: t.change, detail: { actionsFired: t.actionsFired },
      };
    // A task's opening is its `open_task` action row; its close is a row of its own, which the
    // activity also applies to the task row (reason, and who closed it for a person's close).
    case 'task':
      if (t.change !== 'closed') return null;
      return {
        idemKey: `${journeyId}/task/${t.task}:closed`, at: t.at, kind: 'task', subject: t.task, fromState: 'open', toState: 'closed',
        detail: { reason: t.reason, ...(t.by === undefined ? {} : { by: t.by }), ...(t.note === undefined ? {} : { note: t.note }) },
      };
    case 'term':
      return {
        idemKey: `${journeyId}/term@${iso(t.at)}`,
        at: t.at, kind: 'term', subject: 'term', fromState: 'running', toState: t.outcome, detail: null,
      };
  }
}
