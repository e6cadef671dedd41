/**
 * Group commit for `POST /events`: the batches of requests that arrive while
 * the statements before them are still running go to Postgres together, in
 * one statement (store/customer-events.ts `insertPinnedBatches`): one round
 * trip and one commit for all of them instead of one each.
 *
 * Issue 14: at 50 connections a single-event request spent most of its time
 * waiting for a pooled connection and in the socket writes of its own
 * statement; the rows themselves cost Postgres little. Nothing waits on a
 * timer: a request that finds a statement slot free goes at once (an idle
 * server answers as fast as before), and only requests arriving while every
 * slot is busy are grouped, so the groups grow with the load.
 *
 * Each batch is still decided alone (its own pins, all or nothing), and a 202
 * is still only sent for rows committed. If a group's statement fails, its
 * batches are tried again one by one, so one request that Postgres refuses
 * fails alone.
 */
import { insertPinnedBatches, type PinnedBatch, type PinnedOutcome } from '../../store/customer-events.ts';
import type { Queryable } from '../../store/queryable.ts';

/** Options of {@link EventInsertGroups}. */
export interface EventInsertGroupOptions {
  /**
   * Statements in flight at once. Default 2: one group is being written
   * while the next gathers; more would take connections the reads need and
   * make the groups smaller.
   */
  inFlight?: number;
  /** Most events in one statement (a group stops before the batch that would pass it; a larger batch goes alone). Default 2,000. */
  maxEvents?: number;
}

interface Waiting {
  batch: PinnedBatch;
  resolve: (outcome: PinnedOutcome) => void;
  reject: (err: unknown) => void;
}

/** Stores pinned batches, several requests' to a statement when they arrive together. */
export class EventInsertGroups {
  readonly #db: Queryable;
  readonly #inFlight: number;
  readonly #maxEvents: number;
  #running = 0;
  #queue: Waiting[] = [];

  constructor(db: Queryable, options: EventInsertGroupOptions = {}) {
    this.#db = db;
    this.#inFlight = options.inFlight ?? 2;
    this.#maxEvents = options.maxEvents ?? 2000;
  }

  /** Stores `batch` (in a group if others wait with it); resolves once its rows are committed. */
  insert(batch: PinnedBatch): Promise<PinnedOutcome> {
    if (batch.events.length === 0) return Promise.resolve({ inserted: new Set(), stale: [] });
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch, resolve, reject });
      this.#start();
    });
  }

  #start(): void {
    while (this.#running < this.#inFlight && this.#queue.length > 0) {
      const group = this.#take();
      this.#running += 1;
      void this.#write(group).finally(() => {
        this.#running -= 1;
        this.#start();
      });
    }
  }

  /** The oldest waiting batches, up to `maxEvents` events (at least one batch). */
  #take(): Waiting[] {
    let events = 0;
    let n = 0;
    while (n < this.#queue.length) {
      const size = this.#queue[n]!.batch.events.length;
      if (n > 0 && events + size > this.#maxEvents) break;
      events += size;
      n += 1;
    }
    return this.#queue.splice(0, n);
  }

  async #write(group: Waiting[]): Promise<void> {
    try {
      const outcomes = await insertPinnedBatches(this.#db, group.map((w) => w.batch));
      group.forEach((w, i) => w.resolve(outcomes[i]!));
    } catch (err) {
      if (group.length === 1) {
        group[0]!.reject(err);
        return;
      }
      // One batch Postgres refuses (or a lost connection) must not fail the others: each alone.
      await Promise.all(group.map(async (w) => {
        try {
          w.resolve((await insertPinnedBatches(this.#db, [w.batch]))[0]!);
        } catch (alone) {
          w.reject(alone);
        }
      }));
    }
  }
}
