/**
 * Each journey's health per day (the `journey_health` rows the journeys
 * write at their wake-ups, store/journey-progress.ts), for the dashboard's
 * sparklines: one query for a whole book.
 */
import type { Queryable } from './queryable.ts';

const DAY_MS = 86_400_000;

/** Health per day of each journey of `workflowIds` over the `days` days up to `until` (epoch ms), oldest first. */
export async function healthHistories(db: Queryable, workflowIds: readonly string[], until: number, days: number): Promise<Map<string, Array<{ day: string; health: number }>>> {
  const out = new Map<string, Array<{ day: string; health: number }>>();
  if (workflowIds.length === 0) return out;
  const last = new Date(Math.floor(until / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  const { rows } = await db.query<{ workflow_id: string; day: string; health: number }>(
    `SELECT workflow_id, to_char(day, 'YYYY-MM-DD') AS day, health::float8 AS health FROM journey_health
      WHERE workflow_id = ANY($1::text[]) AND day > $2::date - $3::int AND day <= $2::date AND health IS NOT NULL
      ORDER BY workflow_id, day`, [workflowIds, last, days]);
  for (const row of rows) {
    let series = out.get(row.workflow_id);
    if (series === undefined) { series = []; out.set(row.workflow_id, series); }
    series.push({ day: row.day, health: row.health });
  }
  return out;
}

/** Open and overdue-now task counts per assignee (the team page's columns). */
export async function taskCountsByAssignee(db: Queryable, now: number): Promise<Map<string, { open: number; overdue: number }>> {
  const { rows } = await db.query<{ assignee: string; open: number; overdue: number }>(
    `SELECT assignee, count(*)::int AS open, count(*) FILTER (WHERE due_at < $1)::int AS overdue
       FROM tasks WHERE status = 'open' AND assignee IS NOT NULL GROUP BY assignee`, [new Date(now)]);
  return new Map(rows.map((r) => [r.assignee, { open: r.open, overdue: r.overdue }]));
}
