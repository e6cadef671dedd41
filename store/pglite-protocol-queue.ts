/**
 * Keeps each connection's extended-protocol cycle together on the embedded
 * database.
 *
 * pglite-socket (0.2.17) serves several `pg` connections from one PGlite
 * session. It queues the wire messages of all connections and runs them one
 * at a time, but it only keeps to one connection while a transaction is open.
 * `pg` sends every parameterised query as Parse, Bind, Describe, Execute,
 * Sync; when two connections are busy at once (the worker's and the API's
 * pools under `npm start`) their messages interleave, and one connection's
 * Bind meets the other's unnamed statement: "bind message supplies 2
 * parameters, but prepared statement "" requires 13", or "unnamed prepared
 * statement does not exist". Seen here, intermittently, on every other start.
 *
 * {@link serialiseProtocolCycles} replaces the queue's scheduling so that a
 * connection keeps the session from its first extended-protocol message until
 * its Sync (or a simple Query), as well as for a whole transaction. It also
 * fixes the original's stall after a failed message (it returned with its
 * `processing` flag still set). It relies on pglite-socket's internal queue,
 * so it checks the shape it patches and fails loudly if a new version changed it.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(error: unknown): void;
  onData(data: Uint8Array): void;
}

/** The part of pglite-socket's internal QueryQueueManager this patch relies on. */
interface QueryQueue {
  db: PGlite;
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

const code = (c: string) => c.charCodeAt(0);
/** Messages that begin or continue an extended-protocol cycle. */
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map(code));
/** Messages after which the connection has had its answer (ReadyForQuery follows). */
const CYCLE_END = new Set(['S', 'Q', 'X'].map(code));

/** Patches `server`'s message queue; call before `server.start()`. */
export function serialiseProtocolCycles(server: PGLiteSocketServer): void {
  const q = (server as unknown as { queryQueue?: QueryQueue }).queryQueue;
  if (!q || !Array.isArray(q.queue) || typeof q.processQueue !== 'function' || typeof q.clearQueueForHandler !== 'function') {
    throw new Error('pglite-socket internals changed: store/pglite-protocol-queue.ts needs updating for this version');
  }
  /** The connection in the middle of an extended-protocol cycle, if any. */
  let cycleOwner: number | null = null;

  q.processQueue = async function processQueue(): Promise<void> {
    if (q.processing || q.queue.length === 0) return;
    q.processing = true;
    try {
      while (q.queue.length > 0) {
        const owner = q.db.isInTransaction() && q.lastHandlerId !== null ? q.lastHandlerId : cycleOwner;
        const index = owner === null ? 0 : q.queue.findIndex((m) => m.handlerId === owner);
        // The owner's next message has not arrived yet; its enqueue restarts us.
        if (index === -1) break;
        const [item] = q.queue.splice(index, 1) as [QueuedMessage];
        let bytes = 0;
        try {
          await q.db.runExclusive(() =>
            q.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (err) {
          cycleOwner = null;
          item.reject(err);
          continue;
        }
        const type = item.message[0] ?? 0;
        if (CYCLE_END.has(type)) cycleOwner = null;
        else if (EXTENDED.has(type)) cycleOwner = item.handlerId;
        q.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      q.processing = false;
    }
  };

  const clearQueueForHandler = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number) => {
    clearQueueForHandler(handlerId);
    if (cycleOwner === handlerId) {
      // A connection that went away mid-cycle must not hold the others up.
      cycleOwner = null;
      void q.processQueue();
    }
  };
}
