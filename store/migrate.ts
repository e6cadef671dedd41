/**
 * Applies the checked-in SQL migrations (`store/migrations/NNN_name.sql`).
 *
 * Each file runs once, in file-name order, inside its own transaction, and is
 * recorded in `schema_migrations`. A session-level advisory lock serialises
 * concurrent runs (several workers and the API starting together), so two
 * processes never apply the same file twice.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from './pool.ts';

/** The folder holding the ordered migration files. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Arbitrary but fixed key for `pg_advisory_lock`: "milepost" in ASCII, truncated to int8. */
const MIGRATION_LOCK_KEY = 0x6d696c65706f7374n;

const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

/** One migration file. */
export interface Migration {
  /** The file name, e.g. `001_core.sql`; also its key in `schema_migrations`. */
  name: string;
  sql: string;
}

/** Reads the migration files of `dir`, ordered by their numeric prefix. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((name) => MIGRATION_FILE.test(name)).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(join(dir, name), 'utf8') })));
}

/**
 * Brings the database behind `pool` up to date. Returns the names of the
 * migrations it applied (empty when the schema was already current).
 */
export async function migrate(pool: Pool, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await loadMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           name text PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
      for (const migration of migrations) {
        if (done.has(migration.name)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${migration.name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(migration.name);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    client.release();
  }
  return applied;
}
