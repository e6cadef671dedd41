/**
 * What the HTTP API is built from. Everything with a side effect is injected,
 * so the same server runs in `milepost serve`, in the tests and in the
 * benchmarks.
 */
import type { AuthProxy } from './auth.ts';
import type { JourneyGateway } from '../temporal/journey-gateway.ts';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiMetrics } from '../observability/metrics.ts';
import type { Pool } from '../../store/pool.ts';
import type { MetricFeed } from '../../workflows/metric-feed.ts';

/**
 * The part of the Temporal journey gateway the API uses. `deliverEvents`
 * (several events of one journey in one signal; the workflow's signal takes
 * a list) is used when the gateway offers it: one signal per journey per
 * batch instead of one per event.
 */
export type ApiJourneyGateway = Pick<JourneyGateway, 'enrol' | 'deliverEvent' | 'report' | 'completeMilestone'> & {
  deliverEvents?: JourneyGateway['deliverEvents'];
  /** A person's close of a task (workflow update `closeTask`, shell's gateway); absent: tasks cannot be closed through the API. */
  closeTask?: (journeyId: string, close: { task: string; by: string; note: string }) => Promise<unknown>;
};

/** The API server's dependencies. */
export interface ApiDeps {
  pool: Pool;
  gateway: ApiJourneyGateway;
  /** The machine token (`MILEPOST_API_TOKEN`, role operator); people use their own (client/api/auth.ts). */
  token: string;
  /** Book value one CSM can carry, for the team page's load column (`MILEPOST_CSM_CAPACITY`; default 5,000,000). */
  csmCapacity?: number;
  /** Trusted reverse-proxy sign-in (`MILEPOST_AUTH_PROXY_HEADER`/`_FROM`, see authProxyFromEnv); none by default. */
  authProxy?: AuthProxy | null;
  /** Current instant, epoch ms (injected so tests control "now"). */
  clock: () => number;
  /** Answers when Temporal is reachable; throws otherwise. Used by `GET /health`. */
  temporalHealth?: () => Promise<void>;
  /**
   * Event types journeys pull from Postgres instead of receiving signals
   * (`MILEPOST_METRIC_EVENTS`), for journeys enrolled from now on whose
   * playbook declares them. Default: none, every event is signalled.
   */
  metrics?: MetricFeed;
  /** Delivery loop pacing (event-delivery.ts); tests shorten it. */
  delivery?: { retryEveryMs?: number; sweepEveryMs?: number; taskCloseRetryMs?: number };
  /** Log requests (pino through Fastify): a logger (client/observability/logger.ts), or true for Fastify's own. Default false. */
  logger?: boolean | FastifyBaseLogger;
  /** Prometheus metrics and `GET /metrics` (client/observability/metrics.ts). Default: none. */
  observability?: ApiMetrics;
}
