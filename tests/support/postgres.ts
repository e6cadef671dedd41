/**
 * Throwaway Postgres databases for tests: each call creates a fresh, migrated
 * database on the test server and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { createPool, type Pool } from '../../store/pool.ts';
import { migrate } from '../../store/migrate.ts';

/** The test server (a superuser connection), from the environment or the local default. */
export function testServerUrl(): string {
  return process.env.MILEPOST_TEST_DATABASE_URL ?? 'postgres://milepost:milepost@127.0.0.1:5432/milepost';
}

/** A fresh, migrated database. */
export interface TestDatabase {
  url: string;
  pool: Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** Creates a database named `t_<random>` on the test server and migrates it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const name = `t_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString());
  await migrate(pool);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end().catch(() => {});
    }
  } catch (error) {
    throw withServerLog(error);
  }
}

/** The error, with the last lines of the private test server's log when there is one. */
function withServerLog(error: unknown): unknown {
  const log = process.env.MILEPOST_TEST_DATABASE_LOG;
  if (!(error instanceof Error) || !log || !existsSync(log)) return error;
  const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
  error.message += `\n--- last lines of the test Postgres server's log (${log}) ---\n${tail}`;
  return error;
}
