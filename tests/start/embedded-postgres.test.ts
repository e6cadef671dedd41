/**
 * The embedded Postgres's two guards (issues 14 and 15): one opener per
 * PGlite folder (two processes writing one folder corrupt it), and a password
 * (PGlite itself accepts any). Both failed on main: a second opener got a
 * second copy of the database, and any password was let in.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseInUseError, startEmbeddedPostgres, type EmbeddedPostgres } from '../../store/embedded-postgres.ts';

const execFileAsync = promisify(execFile);
let dir: string;
let embedded: EmbeddedPostgres;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'milepost-embedded-'));
  embedded = await startEmbeddedPostgres(join(dir, 'pglite'), { password: 'right-password', owner: 'the test' });
});
afterAll(async () => {
  await embedded?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function query(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT 1 + $1::int AS n', [1])).rows;
  } finally {
    await client.end();
  }
}

describe('the embedded Postgres', () => {
  it('serves a connection that gives the password', async () => {
    expect(embedded.url).toContain(':right-password@');
    expect(await query(embedded.url)).toEqual([{ n: 2 }]);
    expect(embedded.description).not.toContain('right-password');
  });

  it('refuses a wrong or missing password with Postgres\'s own error (28P01), and keeps serving others', async () => {
    for (const url of [embedded.url.replace('right-password', 'wrong'), embedded.url.replace(':right-password@', '@')]) {
      const error = await query(url).then(() => null, (err: unknown) => err as Error & { code?: string });
      expect(error?.message).toMatch(/password authentication failed for user "postgres"|password/);
    }
    const wrong = await query(embedded.url.replace('right-password', 'wrong')).catch((err: Error & { code?: string }) => err.code);
    expect(wrong).toBe('28P01');
    expect(await query(embedded.url)).toEqual([{ n: 2 }]);
  });

  it('refuses a second opener of the same folder, in this process or another, naming who holds it', async () => {
    const second = await startEmbeddedPostgres(join(dir, 'pglite')).then(() => null, (err: unknown) => err);
    expect(second).toBeInstanceOf(EmbeddedDatabaseInUseError);
    expect((second as Error).message).toContain(`already open in process ${process.pid} (the test`);
    const script = join(dir, 'open.ts');
    await writeFile(script, `import { startEmbeddedPostgres } from ${JSON.stringify(new URL('../../store/embedded-postgres.ts', import.meta.url).pathname)};
try { await startEmbeddedPostgres(${JSON.stringify(join(dir, 'pglite'))}); console.log('opened'); } catch (err) { console.log(err.name + ': ' + err.message); }`);
    const { stdout } = await execFileAsync(process.execPath, [script], { encoding: 'utf8' });
    expect(stdout).toMatch(/^EmbeddedDatabaseInUseError: the embedded database in .* is already open in process \d+ \(the test, since /);
    // The refused openers changed nothing: the first still serves.
    expect(await query(embedded.url)).toEqual([{ n: 2 }]);
  });

  it('takes over a lock left by a process that died', async () => {
    const other = join(dir, 'other');
    await writeFile(`${other}.lock`, JSON.stringify({ pid: 4_194_000, owner: 'a killed npm start' }));
    const db = await startEmbeddedPostgres(other);
    try {
      expect(await query(db.url)).toEqual([{ n: 2 }]);
    } finally {
      await db.stop();
    }
    // Stopped: the folder can be opened again.
    const again = await startEmbeddedPostgres(other);
    await again.stop();
  });
});
