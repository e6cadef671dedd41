import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { loadMigrations, migrate } from '../../store/migrate.ts';
import { createPool } from '../../store/pool.ts';
import { startEmbeddedPostgres } from '../../store/embedded-postgres.ts';

const execFileAsync = promisify(execFile);
const LOAD = fileURLToPath(new URL('./fixtures/query-load.ts', import.meta.url));

describe('migrate', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db.drop(); });

  it('records every migration file once and applies nothing on a second run', async () => {
    const files = (await loadMigrations()).map((m) => m.name);
    const recorded = (await db.pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name);
    expect(recorded).toEqual(files);
    expect(await migrate(db.pool)).toEqual([]);
  });

  it('is safe when several processes migrate at once', async () => {
    const results = await Promise.all([migrate(db.pool), migrate(db.pool), migrate(db.pool)]);
    expect(results.flat()).toEqual([]);
  });

  it('creates the core tables', async () => {
    const { rows } = await db.pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    const names = rows.map((r) => r.table_name);
    for (const table of ['playbook_versions', 'customers', 'journeys', 'customer_events', 'rejected_events']) {
      expect(names).toContain(table);
    }
  });
});

describe('startEmbeddedPostgres', () => {
  it('keeps two processes\' parameterised queries apart (no interleaved Parse/Bind)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'milepost-pglite-'));
    const embedded = await startEmbeddedPostgres(dir);
    try {
      // Different statements with different parameter counts from two
      // processes, as the worker's and the API's are under npm start.
      const setup = createPool(embedded.url);
      await setup.query('CREATE TABLE load (v int)');
      await setup.end();
      const load = (shape: string) => execFileAsync(process.execPath, [LOAD, embedded.url, shape, '100'], { encoding: 'utf8' })
        .then(({ stdout }) => JSON.parse(stdout) as unknown[]);
      const [two, three] = await Promise.all([load('two'), load('three')]);
      expect(two).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(three).toEqual(Array.from({ length: 100 }, (_, i) => `a${i}z`));
    } finally {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves a persisted PGlite database to several pg pools at once (worker and API under npm start)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'milepost-pglite-'));
    try {
      const embedded = await startEmbeddedPostgres(dir);
      const pool = createPool(embedded.url);
      const other = createPool(embedded.url);
      try {
        expect(await migrate(pool)).toContain('001_core.sql');
        // Two full pools (16 connections), each connection held at once.
        const clients = await Promise.all([...Array.from({ length: 8 }, () => pool.connect()), ...Array.from({ length: 8 }, () => other.connect())]);
        await Promise.all(clients.map((client, i) => client.query(`INSERT INTO customers (id, attrs) VALUES ($1, '{}')`, [`c${i}`])));
        for (const client of clients) client.release();
      } finally {
        await pool.end();
        await other.end();
        await embedded.stop();
      }
      // Reopen: the data survived on disk.
      const again = await startEmbeddedPostgres(dir);
      const pool2 = createPool(again.url);
      try {
        expect(await migrate(pool2)).toEqual([]);
        const { rows } = await pool2.query<{ n: number }>('SELECT count(*)::int AS n FROM customers');
        expect(rows[0]?.n).toBe(16);
      } finally {
        await pool2.end();
        await again.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
