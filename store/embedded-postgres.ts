/**
 * The embedded database used when no `DATABASE_URL` is set: PGlite (Postgres
 * compiled to WebAssembly) persisted in a folder, served on a loopback port
 * through pglite-socket so the rest of Milepost uses the same `pg` code path
 * as with a real server.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { serialiseProtocolCycles } from './pglite-protocol-queue.ts';

/** A running embedded database. */
export interface EmbeddedPostgres {
  /** A `postgres://` URL for `pg` (no password is checked). */
  url: string;
  /** Stops serving and closes the database, flushing it to disk. */
  stop(): Promise<void>;
}

/**
 * Opens (or creates) the PGlite database in `dir` and serves it on
 * 127.0.0.1, on `port` (default: an ephemeral port).
 *
 * `maxConnections` must be well above 1 (the server's default): with 1, a
 * `pg.Pool` of several connections fails with "Connection terminated
 * unexpectedly", and past the limit a connection is refused with "Too many
 * connections". Several processes share one embedded server under
 * `npm start` (the worker's pool and the API's, 8 connections each at most),
 * so the default is 32. Extra connections cost nothing: queries from every
 * connection go through one queue, because PGlite is a single session. For
 * the same reason an open transaction makes every other connection wait
 * until it ends; callers must never await another connection's query while
 * holding a transaction.
 */
export async function startEmbeddedPostgres(dir: string, port = 0, maxConnections = 32): Promise<EmbeddedPostgres> {
  await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections });
  serialiseProtocolCycles(server);
  await server.start();
  // getServerConn() is "host:port" with the port actually bound.
  const conn = server.getServerConn();
  return {
    url: `postgres://postgres:postgres@${conn}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** The database folder under a project's `.milepost/` state directory. */
export function embeddedPostgresDir(cwd: string): string {
  return `${cwd}/.milepost/pglite`;
}
