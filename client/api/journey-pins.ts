/**
 * The journeys `POST /events` checks a customer's events against: each
 * journey with the IR it is pinned to, kept per customer between requests so
 * that a small batch costs one statement (store/customer-events.ts
 * `insertPinnedEvents`) instead of three.
 *
 * A kept entry is a guess, never the truth: the batch is stored only if its
 * customers' pins (the journeys and their versions) still read as the entry
 * says, in the same statement; if a customer was enrolled in another playbook
 * or migrated since (by this process or any other), nothing is stored, the
 * entry is read again and the batch checked again. An event is refused only
 * on pins read by that request, never on kept ones. IRs come from
 * store/playbooks.ts, parsed once per version.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { journeyPinsOfCustomers, type JourneyPin } from '../../store/journeys.ts';
import { pinKey, pinnedIRs } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';

/** One customer's journeys as its events are checked: `pins` is their text as store/journeys.ts `CUSTOMER_PINS_SQL` writes it. */
export interface PinnedJourneys {
  customerId: string;
  pins: string;
  /** The journeys whose pinned version is deployed (a version deleted by hand validates nothing). */
  journeys: Array<JourneyPin & { ir: PlaybookIR }>;
}

/** Customers kept by default: a few hundred bytes each beside the shared IRs (about 25 MB when full). */
const KEPT = 50_000;

/** The customers' pinned journeys, kept between requests (least recently used first out). */
export class JourneyPinCache {
  readonly #kept: number;
  /** By customer id, in order of last use (a Map's insertion order). */
  readonly #entries = new Map<string, PinnedJourneys>();

  constructor(kept = KEPT) {
    this.#kept = kept;
  }

  /**
   * The pinned journeys of `customerIds` (a customer without a journey is
   * absent): the kept ones, and the rest read (`fresh`: all read). `fresh`
   * in the answer says whether every customer's entry was read now.
   */
  async read(pool: Pool, customerIds: readonly string[], fresh: boolean): Promise<{ journeys: Map<string, PinnedJourneys>; fresh: boolean }> {
    const journeys = new Map<string, PinnedJourneys>();
    const wanted = new Set(customerIds);
    const missing: string[] = [];
    for (const id of wanted) {
      const kept = fresh ? undefined : this.#entries.get(id);
      if (kept === undefined) missing.push(id);
      else {
        journeys.set(id, kept);
        this.#entries.delete(id);
        this.#entries.set(id, kept);
      }
    }
    if (missing.length > 0) {
      const read = await journeyPinsOfCustomers(pool, missing);
      const irs = await pinnedIRs(pool, [...read.values()].flatMap((c) => c.journeys.map((j) => ({ playbook: j.playbook, hash: j.playbookHash }))));
      for (const id of missing) this.#entries.delete(id);
      for (const [customerId, { pins, journeys: pinned }] of read) {
        const entry: PinnedJourneys = {
          customerId, pins,
          journeys: pinned.flatMap((j) => {
            const ir = irs.get(pinKey(j.playbook, j.playbookHash));
            return ir === undefined ? [] : [{ ...j, ir }];
          }),
        };
        journeys.set(customerId, entry);
        this.#entries.set(customerId, entry);
      }
      while (this.#entries.size > this.#kept) this.#entries.delete(this.#entries.keys().next().value!);
    }
    return { journeys, fresh: missing.length === wanted.size };
  }
}
