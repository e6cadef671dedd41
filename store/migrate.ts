/**
 * Applies the checked-in SQL migrations (`store/migrations/NNN_name.sql`).
 *
 * Each file runs once, in file-name order, inside its own transaction, and is
 * recorded in `schema_migrations` with the SHA-256 of its text. A
 * session-level advisory lock serialises concurrent runs (several workers and
 * the API starting together), so two processes never apply the same file
 * twice.
 *
 * An applied file whose text changed since stops start-up
 * ({@link EditedMigrationError}): the database was built by the old text, so
 * running on as if the new one had been applied would hide the difference.
 * A change to the schema is a new file.
 */
import { createHash } from 'node:crypto';
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
  /** `sha256:<hex>` of `sql`, recorded when applied. */
  checksum: string;
}

/** An applied migration's file was edited afterwards. */
export class EditedMigrationError extends Error {
  override name = 'EditedMigrationError';
}

/** The checksum recorded for a migration's text. */
export function migrationChecksum(sql: string): string {
  return `sha256:${createHash('sha256').update(sql).digest('hex')}`;
}

/** Reads the migration files of `dir`, ordered by their numeric prefix. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((name) => MIGRATION_FILE.test(name)).sort();
  return Promise.all(names.map(async (name) => {
    const sql = await readFile(join(dir, name), 'utf8');
    return { name, sql, checksum: migrationChecksum(sql) };
  }));
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
      await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
      const done = new Map((await client.query<{ name: string; checksum: string | null }>('SELECT name, checksum FROM schema_migrations')).rows
        .map((r) => [r.name, r.checksum]));
      for (const migration of migrations) {
        if (done.has(migration.name)) {
          const recorded = done.get(migration.name);
          // Applied before checksums were recorded: the file as it is now is taken as what ran.
          if (recorded === null || recorded === undefined) {
            await client.query('UPDATE schema_migrations SET checksum = $2 WHERE name = $1', [migration.name, migration.checksum]);
          } else if (recorded !== migration.checksum) {
            throw new EditedMigrationError(
              `migration ${migration.name} was edited after it was applied to this database `
              + `(applied ${recorded.slice(0, 19)}, file now ${migration.checksum.slice(0, 19)}): `
              + `restore the file as it was (git log -p store/migrations/${migration.name}) and put the change in a new migration`);
          }
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [migration.name, migration.checksum]);
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
