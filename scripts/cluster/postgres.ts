/**
 * The Postgres server under the cluster: the one `DATABASE_URL` names (its
 * host, port, user and password are reused for Temporal's two databases), or
 * a private server started from Debian's PostgreSQL binaries in the cluster's
 * state folder, kept across `npm run cluster --stop` and restarts.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { ensureDatabase as createDatabaseIfMissing, waitUntilAnswering } from '../../store/server-admin.ts';

export interface ClusterPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  /** A connection URL for one database on this server. */
  url(database: string): string;
  /** Started by us in the state folder (so `--stop` stops it), or someone else's. */
  private: boolean;
  /** Restarts the private server (fast shutdown, as a crash-free restart would). */
  restart(): Promise<void>;
  /** Stops the private server; a no-op for someone else's. */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Folder of the private server's data directory and log. */
  dir: string;
  /** A server to use instead of a private one: its URL (any database). */
  databaseUrl?: string;
  /** Port of the private server. */
  port: number;
  /** Durability off (fsync, full pages): for throwaway test clusters only. */
  fast?: boolean;
}

/** The server to use, started when it is the private one and not running. */
export async function ensurePostgres(options: PostgresOptions): Promise<ClusterPostgres> {
  if (options.databaseUrl) {
    const url = new URL(options.databaseUrl);
    const server = {
      host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username || 'postgres'), password: decodeURIComponent(url.password),
    };
    await waitUntilAnswering(urlOf(server, 'postgres'), 10_000);
    return { ...server, url: (db) => urlOf(server, db), private: false, restart: async () => { throw new Error('the cluster does not restart a Postgres it did not start'); }, stop: async () => {} };
  }
  const server = { host: '127.0.0.1', port: options.port, user: 'milepost', password: 'milepost' };
  const bin = postgresBinDir();
  const data = join(options.dir, 'data');
  const log = join(options.dir, 'postgres.log');
  const asRoot = userInfo().uid === 0;
  const run = (program: string, args: string[], allowFailure = false) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];
    const result = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (result.status !== 0 && !allowFailure) throw new Error(`${program} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
    return result.status === 0;
  };
  if (!existsSync(join(data, 'PG_VERSION'))) {
    mkdirSync(options.dir, { recursive: true });
    // initdb refuses to run as root: the server runs as Debian's postgres user then.
    if (asRoot) chownPostgres(options.dir);
    run('initdb', ['-D', data, '-U', server.user, '-A', 'trust', '-E', 'UTF8', ...(options.fast ? ['--no-sync'] : [])]);
  }
  const settings = [
    `-p ${server.port}`, '-c listen_addresses=127.0.0.1', "-c unix_socket_directories=''", '-c max_connections=400',
    ...(options.fast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
  ].join(' ');
  const start = () => run('pg_ctl', ['-D', data, '-o', settings, '-l', log, '-w', '-t', '60', 'start']);
  const running = () => run('pg_ctl', ['-D', data, 'status'], true);
  if (!running()) start();
  await waitUntilAnswering(urlOf(server, 'postgres'), 30_000);
  return {
    ...server,
    url: (db) => urlOf(server, db),
    private: true,
    async restart() {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      start();
      await waitUntilAnswering(urlOf(server, 'postgres'), 30_000);
    },
    async stop() {
      if (running()) run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
  };
}

/** Creates `name` on the server unless it exists; whether it was created now. */
export function ensureDatabase(server: ClusterPostgres, name: string): Promise<boolean> {
  return createDatabaseIfMissing(server.url('postgres'), name);
}

function urlOf(server: { host: string; port: number; user: string; password: string }, database: string): string {
  const auth = server.password ? `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}` : encodeURIComponent(server.user);
  return `postgres://${auth}@${server.host}:${server.port}/${database}`;
}

function chownPostgres(dir: string): void {
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) throw new Error("running as root needs Debian's postgres user (apt-get install postgresql)");
  chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(join(root, version, 'bin', 'initdb'))) return join(root, version, 'bin');
  throw new Error("no PostgreSQL server binaries: set DATABASE_URL to a server where the user may create databases, or install Debian's postgresql");
}
