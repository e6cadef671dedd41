/**
 * Session-level advisory locks: one holder at a time across processes for
 * work that must not run twice at once (the migration run, the event
 * delivery pass). Taken on one checked-out connection and released on it.
 */
import type { PoolClient } from './pool.ts';

/** Takes the lock `key` (an int8 as text) if free; true when taken. */
export async function tryAdvisoryLock(db: PoolClient, key: string): Promise<boolean> {
  const { rows } = await db.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::int8) AS locked', [key]);
  return rows[0]?.locked === true;
}

/** Releases the lock `key` held by this connection. */
export async function advisoryUnlock(db: PoolClient, key: string): Promise<void> {
  await db.query('SELECT pg_advisory_unlock($1::int8)', [key]);
}
