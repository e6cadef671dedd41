/**
 * The embedded database used when no `DATABASE_URL` is set: PGlite (Postgres
 * compiled to WebAssembly) persisted in a folder, served on a loopback port
 * through pglite-socket so the rest of Milepost uses the same `pg` code path
 * as with a real server.
 *
 * Two guards that PGlite itself does not give:
 * - **one opener per folder.** Two processes writing one PGlite folder corrupt
 *   it (issue 14), so opening takes a lock file beside the folder; a second
 *   opener is refused with {@link EmbeddedDatabaseInUseError}, naming the
 *   process that holds it. A lock left by a process that died is taken over.
 * - **a password.** PGlite answers every startup with "authentication ok";
 *   anything on the machine could connect to the socket (issue 15). The
 *   server here asks every connection for the password (MD5 challenge, so the
 *   password never crosses the socket) before PGlite sees the startup.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { serialiseProtocolCycles } from './pglite-protocol-queue.ts';
import { isAlive } from './process-liveness.ts';

/** A running embedded database. */
export interface EmbeddedPostgres {
  /** A `postgres://` URL for `pg`, with the password the server requires. */
  url: string;
  /** The URL with the password masked, for messages and logs. */
  description: string;
  /** Stops serving, closes the database (flushing it to disk) and releases the lock. */
  stop(): Promise<void>;
}

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Loopback port to serve on; 0 (default) lets the OS choose. */
  port?: number;
  /** Password every connection must give (user `postgres`); a random one when absent. */
  password?: string;
  /**
   * Most connections served at once (32). Must be well above 1 (the server's
   * default): with 1, a `pg.Pool` of several connections fails with
   * "Connection terminated unexpectedly". Several processes share one server
   * under `npm start` (the worker's pool and the API's, 8 connections each at
   * most). Extra connections cost nothing: queries from every connection go
   * through one queue, because PGlite is a single session. For the same
   * reason an open transaction makes every other connection wait until it
   * ends; callers must never await another connection's query while holding
   * a transaction.
   */
  maxConnections?: number;
  /** Who opens it, written into the lock so a refused opener learns who holds it. */
  owner?: string;
}

/** The folder is already open in another process (or earlier in this one). */
export class EmbeddedDatabaseInUseError extends Error {
  override name = 'EmbeddedDatabaseInUseError';
  readonly dir: string;
  readonly holder: { pid: number; owner?: string; since?: string };
  constructor(dir: string, holder: { pid: number; owner?: string; since?: string }) {
    super(
      `the embedded database in ${dir} is already open in process ${holder.pid}` +
        `${holder.owner ? ` (${holder.owner}${holder.since ? `, since ${holder.since}` : ''})` : ''}; ` +
        'two processes writing one PGlite folder would corrupt it. Commands reach a running `npm start` ' +
        'through its state folder (stack.json) or --api; otherwise stop that process first',
    );
    this.dir = dir;
    this.holder = holder;
  }
}

/**
 * Opens (or creates) the PGlite database in `dir` and serves it on
 * 127.0.0.1. Throws {@link EmbeddedDatabaseInUseError} when another process
 * has it open.
 */
export async function startEmbeddedPostgres(dir: string, options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const password = options.password ?? randomBytes(18).toString('base64url');
  await mkdir(dir, { recursive: true });
  const lock = await takeLock(dir, options.owner ?? ownerOfThisProcess());
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections: options.maxConnections ?? 32 });
    serialiseProtocolCycles(server);
    requirePassword(server, password);
    await server.start();
    // getServerConn() is "host:port" with the port actually bound.
    const conn = server.getServerConn();
    const opened = db;
    return {
      url: `postgres://postgres:${encodeURIComponent(password)}@${conn}/postgres?sslmode=disable`,
      description: `embedded PGlite in ${dir}, served on ${conn}`,
      async stop() {
        try {
          await server.stop();
          await opened.close();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (err) {
    await db?.close().catch(() => {});
    await lock.release();
    throw err;
  }
}

/** The database folder under a project's `.milepost/` state directory. */
export function embeddedPostgresDir(cwd: string): string {
  return `${cwd}/.milepost/pglite`;
}

function ownerOfThisProcess(): string {
  const script = process.argv[1]?.split('/').slice(-2).join('/') ?? 'node';
  return [script, ...process.argv.slice(2, 4)].join(' ');
}

/**
 * Creates `<dir>.lock` exclusively, holding this process's pid. A lock whose
 * process is gone (killed with SIGKILL, the machine restarted) is stale and
 * taken over; a live one refuses.
 */
async function takeLock(dir: string, owner: string): Promise<{ release(): Promise<void> }> {
  const path = `${dir.replace(/\/+$/, '')}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(JSON.stringify({ pid: process.pid, owner, since: new Date().toISOString() }));
      await handle.close();
      // A process that exits without stop() (an uncaught error) leaves no lock behind.
      const onExit = () => { try { unlinkSync(path); } catch { /* already gone */ } };
      process.once('exit', onExit);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          process.removeListener('exit', onExit);
          await unlink(path).catch(() => {});
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid: number; owner?: string; since?: string } | null = null;
      try {
        holder = JSON.parse(await readFile(path, 'utf8')) as { pid: number; owner?: string; since?: string };
      } catch {
        // Unreadable or half-written: a crash between create and write. Stale.
      }
      if (holder && Number.isInteger(holder.pid) && isAlive(holder.pid)) throw new EmbeddedDatabaseInUseError(dir, holder);
      await unlink(path).catch(() => {});
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

/** The part of pglite-socket's QueryQueueManager this guard wraps. */
interface QueryQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
}

/** Postgres's protocol 3.0 startup code, and the MD5 authentication request code. */
const PROTOCOL_3 = 196608;
const AUTH_MD5 = 5;

/**
 * Puts an MD5 password check in front of PGlite: a connection's startup
 * message is held back and answered with an MD5 challenge; only when the
 * answer matches is the startup passed on to PGlite (which then says
 * "authentication ok" and the session begins). A wrong or missing password
 * gets Postgres's own error (28P01) and the connection is closed.
 */
function requirePassword(server: PGLiteSocketServer, password: string): void {
  const q = (server as unknown as { queryQueue?: QueryQueue }).queryQueue;
  if (!q || typeof q.enqueue !== 'function' || typeof q.clearQueueForHandler !== 'function') {
    throw new Error('pglite-socket internals changed: store/embedded-postgres.ts needs updating for this version');
  }
  /** Connections that have not authenticated yet: their startup and challenge. */
  const pending = new Map<number, { startup: Uint8Array; user: string; salt: Buffer } | null>();
  const authenticated = new Set<number>();
  const enqueue = q.enqueue.bind(q);
  q.enqueue = async (handlerId, message, onData) => {
    if (authenticated.has(handlerId)) return enqueue(handlerId, message, onData);
    const bytes = Buffer.from(message);
    const waiting = pending.get(handlerId);
    if (waiting === undefined) {
      if (bytes.length < 8 || bytes.readInt32BE(4) !== PROTOCOL_3) return refuse(onData, '08P01', 'expected a startup message');
      const user = startupParameter(bytes, 'user') ?? '';
      const salt = randomBytes(4);
      pending.set(handlerId, { startup: message, user, salt });
      const challenge = Buffer.alloc(13);
      challenge.write('R', 0);
      challenge.writeInt32BE(12, 1);
      challenge.writeInt32BE(AUTH_MD5, 5);
      salt.copy(challenge, 9);
      onData(challenge);
      return challenge.length;
    }
    if (waiting === null || bytes[0] !== 'p'.charCodeAt(0)) return refuse(onData, '08P01', 'expected a password message');
    const given = bytes.subarray(5, bytes.length - 1).toString('utf8');
    const expected = `md5${md5(md5(password + waiting.user) + waiting.salt.toString('latin1'), 'latin1')}`;
    if (given !== expected) {
      pending.set(handlerId, null);
      return refuse(onData, '28P01', `password authentication failed for user "${waiting.user}"`);
    }
    pending.delete(handlerId);
    authenticated.add(handlerId);
    return enqueue(handlerId, waiting.startup, onData);
  };
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId) => {
    pending.delete(handlerId);
    authenticated.delete(handlerId);
    clear(handlerId);
  };
}

function md5(text: string, encoding: BufferEncoding = 'utf8'): string {
  return createHash('md5').update(Buffer.from(text, encoding)).digest('hex');
}

/** One parameter of a startup message (`user`, `database`, ...). */
function startupParameter(startup: Buffer, name: string): string | undefined {
  const fields = startup.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/**
 * Sends a FATAL ErrorResponse and fails the message, which makes pglite-socket
 * close the connection (its data handler treats a failed message as an error).
 */
function refuse(onData: (data: Uint8Array) => void, code: string, message: string): never {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const error = Buffer.alloc(5 + fields.length);
  error.write('E', 0);
  error.writeInt32BE(4 + fields.length, 1);
  fields.copy(error, 5);
  onData(error);
  throw new Error(`embedded Postgres: ${message}`);
}
