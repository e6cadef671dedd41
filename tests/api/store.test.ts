import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { copyFile, readdir, writeFile, appendFile } from 'node:fs/promises';
import { EditedMigrationError, loadMigrations, migrate, MIGRATIONS_DIR } from '../../store/migrate.ts';
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

  it('records each file\'s checksum, and refuses to start on a database whose applied migration was edited since', async () => {
    const recorded = (await db.pool.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations ORDER BY name')).rows;
    expect(recorded.map((r) => r.checksum)).toEqual((await loadMigrations()).map((m) => m.checksum));
    const dir = await mkdtemp(join(tmpdir(), 'milepost-migrations-'));
    try {
      for (const name of await readdir(MIGRATIONS_DIR)) await copyFile(join(MIGRATIONS_DIR, name), join(dir, name));
      expect(await migrate(db.pool, dir)).toEqual([]);
      await appendFile(join(dir, '002_journey_actions.sql'), '\n-- an afterthought\n');
      const edited = migrate(db.pool, dir);
      await expect(edited).rejects.toThrow(EditedMigrationError);
      await expect(edited).rejects.toThrow(/migration 002_journey_actions.sql was edited after it was applied .*put the change in a new migration/);
      // A new file is what a change is: applied, recorded.
      await copyFile(join(MIGRATIONS_DIR, '002_journey_actions.sql'), join(dir, '002_journey_actions.sql'));
      await writeFile(join(dir, '009_test_extra.sql'), 'CREATE TABLE test_extra (x int);\n');
      expect(await migrate(db.pool, dir)).toEqual(['009_test_extra.sql']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fills in the checksum of a migration applied before checksums were recorded', async () => {
    await db.pool.query(`UPDATE schema_migrations SET checksum = NULL WHERE name = '001_core.sql'`);
    expect(await migrate(db.pool)).toEqual([]);
    const { rows } = await db.pool.query(`SELECT checksum FROM schema_migrations WHERE name = '001_core.sql'`);
    expect(rows[0].checksum).toBe((await loadMigrations())[0]!.checksum);
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
