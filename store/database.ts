/**
 * Opens Milepost's database: the server named by `DATABASE_URL`, or the
 * embedded PGlite default under `.milepost/pglite`. Either way the schema is
 * migrated before the pool is handed out.
 */
import { createPool, type Pool } from './pool.ts';
import { migrate } from './migrate.ts';
import { embeddedPostgresDir, startEmbeddedPostgres } from './embedded-postgres.ts';

/** An open, migrated database. */
export interface Database {
  pool: Pool;
  /** Where it lives, for start-up messages (`embedded: <dir>` or the URL without password). */
  description: string;
  /** The migrations this opening applied (file names, in order; empty when the schema was current), for the logs. */
  applied: string[];
  /** Closes the pool and, for the embedded database, the server. */
  close(): Promise<void>;
}

/** Opens and migrates the database selected by `env.DATABASE_URL` (embedded when unset). */
export async function openDatabase(env: NodeJS.ProcessEnv, cwd: string): Promise<Database> {
  const url = env.DATABASE_URL;
  if (url !== undefined && url !== '') {
    const pool = createPool(url);
    const applied = await migrate(pool);
    return { pool, applied, description: url.replace(/:\/\/([^:@/]+):[^@]*@/, '://$1:***@'), close: () => pool.end() };
  }
  const dir = embeddedPostgresDir(cwd);
  const embedded = await startEmbeddedPostgres(dir);
  const pool = createPool(embedded.url);
  let applied: string[];
  try {
    applied = await migrate(pool);
  } catch (err) {
    await pool.end();
    await embedded.stop();
    throw err;
  }
  return {
    pool,
    applied,
    description: `embedded PGlite in ${dir}`,
    async close() {
      await pool.end();
      await embedded.stop();
    },
  };
}
