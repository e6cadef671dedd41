/**
 * Vitest global setup: makes sure a real Postgres server is there for the
 * tests, and hands its superuser URL to every test process as
 * `MILEPOST_TEST_DATABASE_URL` (tests/support/postgres.ts creates one
 * throwaway database per suite on it).
 *
 * In order: `MILEPOST_TEST_DATABASE_URL` when set; else the local development
 * server at postgres://milepost:milepost@127.0.0.1:5432/milepost when it
 * answers; else a private, throwaway cluster started from Debian's PostgreSQL
 * binaries (`apt-get install postgresql`) in a temporary folder, with
 * durability switched off because nothing in it outlives the run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../support/temporal.ts';

const LOCAL_DEV_URL = 'postgres://milepost:milepost@127.0.0.1:5432/milepost';

export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.MILEPOST_TEST_DATABASE_URL) return async () => {};
  if (await answers(LOCAL_DEV_URL)) {
    process.env.MILEPOST_TEST_DATABASE_URL = LOCAL_DEV_URL;
    return async () => {};
  }
  const cluster = await startPrivateCluster();
  process.env.MILEPOST_TEST_DATABASE_URL = cluster.url;
  // Read by tests/support/postgres.ts, so that a suite which cannot reach the
  // server says why in its own failure (the server's last log lines).
  process.env.MILEPOST_TEST_DATABASE_LOG = cluster.log;
  return cluster.stop;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function startPrivateCluster(): Promise<{ url: string; log: string; stop: () => Promise<void> }> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'milepost-pg-'));
  const data = join(dir, 'data');
  // initdb refuses to run as root; run the cluster as Debian's postgres user then.
  const asRoot = userInfo().uid === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (cmd: string, args: string[]) => {
    const result = spawnSync(...command(bin, asRoot, cmd, args), { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'milepost', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = [
    `-p ${port}`, '-c listen_addresses=127.0.0.1', `-k ${dir}`, '-c fsync=off', '-c synchronous_commit=off',
    '-c full_page_writes=off', '-c max_connections=300',
  ].join(' ');
  const log = join(dir, 'log');
  run('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', '-t', '60', 'start']);
  return {
    url: `postgres://milepost@127.0.0.1:${port}/postgres`,
    log,
    stop: async () => {
      // A server that died during the run is the likeliest cause of whatever
      // failed after it: say so, with its own last words.
      try {
        run('pg_ctl', ['-D', data, 'status']);
      } catch {
        process.stderr.write(`\nThe test Postgres server stopped during the run; last lines of ${log}:\n${tail(log, 40)}\n`);
      }
      spawnSync(...command(bin, asRoot, 'pg_ctl', ['-D', data, '-m', 'immediate', 'stop']));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Postgres program with its arguments, run as Debian's postgres user when we are root. */
function command(bin: string, asRoot: boolean, program: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];
}

function tail(file: string, lines: number): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb'))) return bin;
  }
  throw new Error(
    'no Postgres for the tests: set MILEPOST_TEST_DATABASE_URL to a server where the user may create databases, ' +
      "or install Debian's PostgreSQL ('apt-get install postgresql') so the tests can start their own",
  );
}
