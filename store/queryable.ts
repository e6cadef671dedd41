/**
 * The one type for "something that runs SQL" (the pool, or one connection
 * inside a transaction), and the one way to run a transaction. Every store
 * function takes a {@link Queryable}, so a caller decides whether two writes
 * share a transaction by passing the same connection.
 */
import type { Pool, PoolClient } from './pool.ts';

/** The pool, or a connection checked out of it (inside {@link withTransaction}). */
export type Queryable = Pool | PoolClient;

/**
 * Runs `work` on one connection between BEGIN and COMMIT; any throw rolls
 * back and is re-thrown. With the embedded PGlite server every other
 * connection waits while a transaction is open (store/embedded-postgres.ts),
 * so `work` must never wait for anything but its own queries.
 */
export async function withTransaction<T>(pool: Pool, work: (db: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Answers when the database does (`GET /health`). */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
