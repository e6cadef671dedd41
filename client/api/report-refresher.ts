/**
 * Keeps `journeys.last_report` fresh after events arrive, off the request
 * path: journeys that received events are marked stale, and one refresh runs
 * at a time over everything marked so far. A journey marked again while a
 * refresh is running is refreshed once more afterwards; marking it ten times
 * meanwhile still costs one query.
 */
import type { Pool } from '../../store/pool.ts';
import type { ApiJourneyGateway } from './deps.ts';
import { refreshReports } from './event-delivery.ts';

/** A journey whose report may be stale. */
export interface StaleJourney {
  workflowId: string;
  playbook: string;
  customerId: string;
}

/** The refresher: `mark` stale journeys; `close` waits for the work in flight. */
export interface ReportRefresher {
  mark(journeys: StaleJourney[]): void;
  /** Resolves when nothing is marked or running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Creates a refresher; `warn` receives failures (a journey that cannot answer keeps its old report). */
export function createReportRefresher(pool: Pool, gateway: ApiJourneyGateway, clock: () => number, warn: (message: string) => void = () => {}): ReportRefresher {
  let stale = new Map<string, StaleJourney>();
  let running: Promise<void> | null = null;
  let closed = false;
  const drain = async () => {
    while (stale.size > 0 && !closed) {
      const batch = [...stale.values()];
      stale = new Map();
      const result = await refreshReports(pool, gateway, batch, clock());
      if (result.failed > 0) warn(`${result.failed} journey reports could not be refreshed`);
    }
  };
  const start = () => {
    if (running !== null) return;
    running = drain().catch((err: unknown) => warn((err as Error).message)).finally(() => {
      running = null;
      if (stale.size > 0 && !closed) start();
    });
  };
  return {
    mark(journeys) {
      if (closed) return;
      for (const journey of journeys) stale.set(journey.workflowId, journey);
      if (stale.size > 0) start();
    },
    async idle() {
      while (running !== null) await running;
    },
    async close() {
      closed = true;
      while (running !== null) await running;
    },
  };
}
