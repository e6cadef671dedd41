import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { loadMigrations, migrate } from '../../store/migrate.ts';
import { createPool } from '../../store/pool.ts';
import { startEmbeddedPostgres } from '../../store/embedded-postgres.ts';

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
