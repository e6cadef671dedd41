/**
 * The API server's background work: signalling stored events that could not
 * be signalled at once (Temporal down, journey starting) and keeping each
 * running journey's stored report fresh for the dashboard, since a journey
 * changes state with time alone (a milestone turns overdue at its due).
 */
import type { Pool } from '../../store/pool.ts';
import type { ApiJourneyGateway } from './deps.ts';
import { refreshReports, sweepUnsignalledEvents } from './event-delivery.ts';
import type { MetricFeed } from '../../workflows/metric-feed.ts';

/** Options of {@link startBackgroundWork}. */
export interface BackgroundOptions {
  pool: Pool;
  gateway: ApiJourneyGateway;
  clock: () => number;
  /** How often to sweep unsignalled events, ms. Default 10 s. */
  sweepEveryMs?: number;
  /** How often to refresh every running journey's report, ms. Default 5 min. */
  refreshEveryMs?: number;
  /** Where problems go. */
  warn?: (message: string) => void;
  /** The API's metric feed setting, for journeys the sweep has to start (see deliverStoredEvents). */
  metrics?: MetricFeed;
}

/**
 * Starts both loops (first runs right away). Each loop waits for its previous
 * run to finish, so a slow Temporal never piles runs up. Returns `stop()`.
 */
export function startBackgroundWork(options: BackgroundOptions): { stop(): Promise<void> } {
  const warn = options.warn ?? (() => {});
  const loops = [
    loop(options.sweepEveryMs ?? 10_000, async () => {
      const result = await sweepUnsignalledEvents(options.pool, options.gateway, options.clock(), 1000, options.metrics);
      if (result.failed.length > 0) warn(`${result.failed.length} stored events not yet signalled: ${result.failed[0]!.error}`);
      await refreshReports(options.pool, options.gateway, result.touched, options.clock());
    }, warn),
    loop(options.refreshEveryMs ?? 300_000, async () => {
      await refreshAllRunning(options.pool, options.gateway, options.clock());
    }, warn),
  ];
  return { stop: async () => { await Promise.all(loops.map((l) => l.stop())); } };
}

/** Refreshes the stored report of every journey whose term is still running (or not reported yet). */
export async function refreshAllRunning(pool: Pool, gateway: ApiJourneyGateway, now: number): Promise<{ refreshed: number; failed: number }> {
  const { rows } = await pool.query<{ workflow_id: string; playbook: string; customer_id: string }>(
    `SELECT workflow_id, playbook, customer_id FROM journeys
      WHERE status = 'running' OR last_report IS NULL
      ORDER BY updated_at`);
  return refreshReports(pool, gateway, rows.map((r) => ({ workflowId: r.workflow_id, playbook: r.playbook, customerId: r.customer_id })), now);
}

function loop(everyMs: number, run: () => Promise<void>, warn: (message: string) => void): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const tick = () => {
    current = run().catch((err: unknown) => warn((err as Error).message)).finally(() => {
      if (!stopped) timer = setTimeout(tick, everyMs);
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
