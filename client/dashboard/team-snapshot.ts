/**
 * The team's figures served from a snapshot: computing them reads every
 * journey of the portfolio (seconds at 100,000 customers), so the page
 * answers from the last computation and a new one starts in the background
 * once it is older than `maxAgeMs` (stale-while-revalidate). The page says
 * how old its figures are. The first request of a filter waits for its
 * first computation.
 */
export interface Snapshot<T> {
  value: T;
  /** Epoch ms (wall clock) the computation started. */
  computedAt: number;
  /** How long it took, ms. */
  tookMs: number;
}

/** A cache of one computation per key. */
export function snapshotCache<T>(compute: (key: string) => Promise<T>, maxAgeMs: number, wallClock: () => number = Date.now) {
  const entries = new Map<string, { current: Snapshot<T> | null; pending: Promise<Snapshot<T>> | null }>();
  const refresh = (key: string, entry: { current: Snapshot<T> | null; pending: Promise<Snapshot<T>> | null }) => {
    const started = wallClock();
    const t0 = performance.now();
    entry.pending = compute(key).then((value) => {
      entry.current = { value, computedAt: started, tookMs: performance.now() - t0 };
      return entry.current;
    }).finally(() => { entry.pending = null; });
    return entry.pending;
  };
  return {
    async get(key: string): Promise<Snapshot<T>> {
      let entry = entries.get(key);
      if (entry === undefined) { entry = { current: null, pending: null }; entries.set(key, entry); }
      if (entry.current === null) return entry.pending ?? refresh(key, entry);
      if (wallClock() - entry.current.computedAt > maxAgeMs && entry.pending === null) void refresh(key, entry).catch(() => {});
      return entry.current;
    },
    /** Forgets every snapshot (after a change the next page must show). */
    invalidate(): void { entries.clear(); },
  };
}
