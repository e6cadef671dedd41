/**
 * The milestone ledger: every transition, risk change, action, task change,
 * term close, manual completion and migration of every journey. Written by
 * the journey's activities (idempotent by `idem_key`); read by the API, the
 * dashboard and `plan`.
 */
import type { JourneyRef, LedgerEntry } from '../activities/types.ts';
import { page, where, type ListFilter } from './filters.ts';
import type { Queryable } from './queryable.ts';

/** A milestone-ledger row, as JSON-ready values. */
export interface LedgerRow {
  id: number; journey_id: string; customer_id: string; playbook: string; playbook_hash: string; at: Date;
  kind: string; subject: string; from_state: string | null; to_state: string | null; detail: unknown; recorded_at: Date;
}

/** Writes ledger rows in one statement; rows already written (same key) stay as they are. Returns how many were new. */
export async function insertLedgerEntries(db: Queryable, journey: JourneyRef, entries: LedgerEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO milestone_ledger (idem_key, journey_id, customer_id, playbook, playbook_hash, at, kind, subject, from_state, to_state, detail)
     SELECT k, $2, $3, $4, $5, at, kind, subject, from_state, to_state, detail
       FROM unnest($1::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[])
            AS e (k, at, kind, subject, from_state, to_state, detail)
     ON CONFLICT (idem_key) DO NOTHING`,
    [entries.map((e) => e.idemKey), journey.journeyId, journey.customerId, journey.playbook, journey.playbookHash,
      entries.map((e) => new Date(e.at).toISOString()), entries.map((e) => e.kind), entries.map((e) => e.subject),
      entries.map((e) => e.fromState), entries.map((e) => e.toState),
      entries.map((e) => (e.detail === null ? null : JSON.stringify(e.detail)))],
  );
  return result.rowCount ?? 0;
}

/** Ledger entries in the order they happened. */
export async function listLedger(db: Queryable, filter: ListFilter = {}): Promise<LedgerRow[]> {
  const w = where()
    .add('customer_id = ?', filter.customerId)
    .add('playbook = ?', filter.playbook)
    .add('customer_id IN (SELECT id FROM customers WHERE csm = ?)', filter.csm);
  const { rows } = await db.query<LedgerRow>(
    `SELECT id::int, journey_id, customer_id, playbook, playbook_hash, at, kind, subject, from_state, to_state, detail, recorded_at
       FROM milestone_ledger${w.sql()} ORDER BY at, id${page(w, filter)}`, w.params);
  return rows;
}

/** The action sources each journey of `playbook` has fired, by journey id (what `plan` compares). */
export async function firedSourcesByJourney(db: Queryable, playbook: string): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ journey_id: string; sources: string[] }>(
    `SELECT journey_id, array_agg(subject ORDER BY at, id) AS sources
       FROM milestone_ledger WHERE playbook = $1 AND kind = 'action' GROUP BY journey_id`, [playbook]);
  return new Map(rows.map((r) => [r.journey_id, r.sources]));
}
