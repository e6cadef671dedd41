/**
 * Reading what the journeys' activities wrote: tasks, the outbox (reminders,
 * escalations, webhooks) and the milestone ledger. The tables are created by
 * 002_journey_actions.sql and written only by the activities; the API and the
 * dashboard only read them.
 */
import type { Pool } from './pool.ts';

/** Filters shared by the three lists; each is optional. */
export interface ActionFilter {
  customerId?: string;
  playbook?: string;
  /** tasks: open/done/...; outbox: pending/sent/failed. */
  status?: string;
  limit?: number;
  offset?: number;
}

/** A task row, as JSON-ready values. */
export interface TaskRow {
  id: number; journey_id: string; customer_id: string; playbook: string; source: string; title: string;
  assignee_role: string; assignee: string | null; priority: string; due_at: Date | null; status: string;
  fired_at: Date; created_at: Date;
}

/** An outbox row. */
export interface OutboxRow {
  id: number; journey_id: string; customer_id: string; playbook: string; source: string; kind: string;
  channel: string; recipient_role: string; recipient: string | null; subject: string | null; body: string | null;
  status: string; attempts: number; last_error: string | null; fired_at: Date; sent_at: Date | null; created_at: Date;
}

/** A milestone-ledger row. */
export interface LedgerRow {
  id: number; journey_id: string; customer_id: string; playbook: string; playbook_hash: string; at: Date;
  kind: string; subject: string; from_state: string | null; to_state: string | null; detail: unknown; recorded_at: Date;
}

const FILTER = `($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR playbook = $2) AND ($3::text IS NULL OR status = $3)`;

function params(filter: ActionFilter): unknown[] {
  return [filter.customerId ?? null, filter.playbook ?? null, filter.status ?? null, filter.limit ?? null, filter.offset ?? 0];
}

/** Tasks, soonest due first. */
export async function listTasks(pool: Pool, filter: ActionFilter = {}): Promise<TaskRow[]> {
  const { rows } = await pool.query<TaskRow>(
    `SELECT id::int, journey_id, customer_id, playbook, source, title, assignee_role, assignee, priority, due_at, status, fired_at, created_at
       FROM tasks WHERE ${FILTER} ORDER BY due_at NULLS LAST, id LIMIT $4 OFFSET $5`, params(filter));
  return rows;
}

/** Outbox messages, newest first. */
export async function listOutbox(pool: Pool, filter: ActionFilter = {}): Promise<OutboxRow[]> {
  const { rows } = await pool.query<OutboxRow>(
    `SELECT id::int, journey_id, customer_id, playbook, source, kind, channel, recipient_role, recipient, subject, body,
            status, attempts, last_error, fired_at, sent_at, created_at
       FROM outbox WHERE ${FILTER} ORDER BY fired_at DESC, id DESC LIMIT $4 OFFSET $5`, params(filter));
  return rows;
}

/** Ledger entries in the order they happened. `status` is ignored (the ledger has none). */
export async function listLedger(pool: Pool, filter: ActionFilter = {}): Promise<LedgerRow[]> {
  const { rows } = await pool.query<LedgerRow>(
    `SELECT id::int, journey_id, customer_id, playbook, playbook_hash, at, kind, subject, from_state, to_state, detail, recorded_at
       FROM milestone_ledger WHERE ${FILTER.replace(' AND ($3::text IS NULL OR status = $3)', ' AND $3::text IS NULL')}
      ORDER BY at, id LIMIT $4 OFFSET $5`, params({ ...filter, status: undefined }));
  return rows;
}
