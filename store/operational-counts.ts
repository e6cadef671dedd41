/**
 * The counts an operator's `/metrics` scrape reads from the store (issue 14
 * item 5): journeys by status and messages by channel and status. Counted
 * from the tables, not from one process's memory, so every API replica and
 * every worker's sends are in them. Both group over an indexed status column.
 */
import type { Queryable } from './queryable.ts';

/** `running`, `renewed`, ... → number of journeys. */
export async function journeysByStatus(db: Queryable): Promise<Array<{ status: string; n: number }>> {
  const { rows } = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM journeys GROUP BY status ORDER BY status');
  return rows;
}

/** Outbox messages by channel (`email`, `slack`, `webhook`) and status (`pending`, `sent`, `failed`). */
export async function messagesByChannel(db: Queryable): Promise<Array<{ channel: string; status: string; n: number }>> {
  const { rows } = await db.query<{ channel: string; status: string; n: number }>(
    'SELECT channel, status, count(*)::int AS n FROM outbox GROUP BY channel, status ORDER BY channel, status');
  return rows;
}
