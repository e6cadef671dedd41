/**
 * Tasks in the CS team's task list. A journey opens them (recordInstant, by
 * the action's idempotency key) and closes them (the close reasons of SPEC
 * §5.2, in the same transaction as its ledger rows); a person's close is
 * recorded here first (`close_requested_*`) and then reaches the journey,
 * whose own close is what marks the row closed.
 */
import type { JourneyRef } from '../activities/types.ts';
import type { FiredAction } from '../workflows/engine/types.ts';
import { actionKey } from '../workflows/ledger-entries.ts';
import { page, where, type ListFilter } from './filters.ts';
import type { Queryable } from './queryable.ts';

/** A task row, as JSON-ready values. `id` is the task's global id (the API's `<task>`). */
export interface TaskRow {
  id: number; task_id: string; journey_id: string; customer_id: string; playbook: string; source: string; title: string;
  assignee_role: string; assignee: string | null; priority: string; due_at: Date | null;
  /** `open` or `closed`. */
  status: string;
  closed_at: Date | null; closed_because: string | null; closed_by: string | null; close_note: string | null;
  close_requested_by: string | null; close_requested_note: string | null; close_requested_at: Date | null;
  fired_at: Date; created_at: Date;
}

const COLUMNS = `id::int, task_id, journey_id, customer_id, playbook, source, title, assignee_role, assignee, priority, due_at,
  status, closed_at, closed_because, closed_by, close_note, close_requested_by, close_requested_note, close_requested_at, fired_at, created_at`;

/** A task's close as the journey decided it (reference §5.2). */
export interface TaskClose {
  /** The task's id within its journey (`<source>@<opened_at>`). */
  taskId: string;
  at: number;
  reason: string;
  by?: string | null;
  note?: string | null;
}

/** The task's id within its journey: the engine's `taskId`, else its action key (the same text for every v2 task). */
export function taskIdOf(action: FiredAction): string {
  return (action as FiredAction & { taskId?: string }).taskId ?? action.key;
}

/** Opens the tasks of these fired `open_task` actions, once per key; returns how many are new. */
export async function insertTasks(db: Queryable, journey: JourneyRef, actions: FiredAction[]): Promise<number> {
  if (actions.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO tasks (idem_key, task_id, journey_id, customer_id, playbook, source, title, assignee_role, assignee, priority, due_at, fired_at)
     SELECT k, t, $3, $4, $5, source, title, role, assignee, priority, due, fired
       FROM unnest($1::text[], $2::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[])
            AS a (k, t, source, title, role, assignee, priority, due, fired)
     ON CONFLICT DO NOTHING`,
    [actions.map((a) => actionKey(journey.journeyId, a)), actions.map(taskIdOf), journey.journeyId, journey.customerId, journey.playbook,
      actions.map((a) => a.source), actions.map((a) => a.title ?? a.source), actions.map((a) => a.to), actions.map((a) => recipientOf(a.recipient)),
      actions.map((a) => a.priority ?? 'normal'), actions.map((a) => (a.dueAt === undefined ? null : new Date(a.dueAt).toISOString())),
      actions.map((a) => new Date(a.at).toISOString())],
  );
  return result.rowCount ?? 0;
}

/** Closes open tasks of a journey as it decided; a task already closed keeps its first close. Returns how many closed now. */
export async function applyTaskCloses(db: Queryable, journeyId: string, closes: TaskClose[]): Promise<number> {
  if (closes.length === 0) return 0;
  const result = await db.query(
    `UPDATE tasks t SET status = 'closed', closed_at = c.at, closed_because = c.reason,
            closed_by = coalesce(c.by, CASE WHEN c.reason = 'done' THEN t.close_requested_by END),
            close_note = coalesce(c.note, CASE WHEN c.reason = 'done' THEN t.close_requested_note END)
       FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[]) AS c (task_id, at, reason, by, note)
      WHERE t.journey_id = $1 AND t.task_id = c.task_id AND t.status = 'open'`,
    [journeyId, closes.map((c) => c.taskId), closes.map((c) => new Date(c.at).toISOString()), closes.map((c) => c.reason),
      closes.map((c) => c.by ?? null), closes.map((c) => c.note ?? null)]);
  return result.rowCount ?? 0;
}

/** Filters of {@link listTasks}. */
export interface TaskFilter extends ListFilter {
  state?: 'open' | 'closed';
  /** Only open tasks due before this instant (epoch ms). */
  overdueAt?: number;
}

/** Tasks, soonest due first. `csm` is the assignee (reference §15). */
export async function listTasks(db: Queryable, filter: TaskFilter = {}): Promise<TaskRow[]> {
  const w = where()
    .add('customer_id = ?', filter.customerId)
    .add('playbook = ?', filter.playbook)
    .add('assignee = ?', filter.csm)
    .add('status = ?', filter.overdueAt === undefined ? filter.state : 'open')
    .add('due_at < ?', filter.overdueAt === undefined ? undefined : new Date(filter.overdueAt));
  const { rows } = await db.query<TaskRow>(
    `SELECT ${COLUMNS} FROM tasks${w.sql()} ORDER BY due_at NULLS LAST, id${page(w, filter)}`, w.params);
  return rows;
}

/** One task by its global id, or null. */
export async function findTask(db: Queryable, id: number): Promise<TaskRow | null> {
  const { rows } = await db.query<TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/**
 * Records a person's close of an open task before the journey hears of it
 * (a crash after this loses nothing: {@link pendingTaskCloses} finds it).
 * The first request stands. Returns the row, or null when the task is
 * unknown or no longer open.
 */
export async function requestTaskClose(db: Queryable, id: number, close: { by: string; note: string }): Promise<TaskRow | null> {
  const { rows } = await db.query<TaskRow>(
    `UPDATE tasks SET close_requested_by = coalesce(close_requested_by, $2), close_requested_note = coalesce(close_requested_note, $3),
            close_requested_at = coalesce(close_requested_at, now())
      WHERE id = $1 AND status = 'open' RETURNING ${COLUMNS}`, [id, close.by, close.note]);
  return rows[0] ?? null;
}

/**
 * Withdraws a close request the journey refused (it has no such task, or
 * refuses the request), so nothing stays changed. With `requestedAt`, only
 * that request (as {@link pendingTaskCloses} read it: a JS Date, to the
 * millisecond), not one recorded since.
 */
export async function withdrawTaskClose(db: Queryable, id: number, requestedAt?: Date): Promise<void> {
  await db.query(
    `UPDATE tasks SET close_requested_by = NULL, close_requested_note = NULL, close_requested_at = NULL
      WHERE id = $1 AND ($2::timestamptz IS NULL OR date_trunc('milliseconds', close_requested_at) = $2)`, [id, requestedAt ?? null]);
}

/** Open tasks a person closed whose journey has not closed them yet, oldest request first. */
export async function pendingTaskCloses(db: Queryable, limit: number): Promise<TaskRow[]> {
  const { rows } = await db.query<TaskRow>(
    `SELECT ${COLUMNS} FROM tasks WHERE close_requested_at IS NOT NULL AND status = 'open' ORDER BY close_requested_at LIMIT $1`, [limit]);
  return rows;
}

/** Reassigns a task to a person; returns the row, or null for an unknown task. */
export async function assignTask(db: Queryable, id: number, to: string): Promise<TaskRow | null> {
  const { rows } = await db.query<TaskRow>(`UPDATE tasks SET assignee = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, to]);
  return rows[0] ?? null;
}

/** A resolved recipient as text; null when the role resolved to nothing. */
export function recipientOf(value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : String(value);
}
