/**
 * The Postgres connection pool every server-side part of Milepost shares.
 *
 * One code path for every database: a real Postgres server (`DATABASE_URL`)
 * and the embedded PGlite default (reached through pglite-socket, see
 * {@link ./embedded-postgres.ts}) are both plain `pg` connections.
 */
import pg from 'pg';

/** A `pg` pool; re-exported so callers need not import `pg` for the type. */
export type Pool = pg.Pool;
/** One checked-out connection of a {@link Pool}. */
export type PoolClient = pg.PoolClient;

/** Options for {@link createPool}. */
export interface PoolOptions {
  /** Most connections the pool opens at once; default 8 (the embedded server's limit too). */
  max?: number;
}

/**
 * Opens a pool for `url` (`postgres://user:pass@host:port/db`).
 *
 * `timestamptz` columns come back as `Date` and `jsonb` as parsed JSON (pg's
 * defaults); `bigint`/`numeric` counts come back as strings, so queries that
 * return counts cast them to `int` in SQL.
 */
export function createPool(url: string, options: PoolOptions = {}): Pool {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 8 });
  // An idle client losing its connection (server restart) must not crash the
  // process; the pool drops the client and the next query reconnects.
  pool.on('error', () => {});
  return pool;
}
