/**
 * What the HTTP API is built from. Everything with a side effect is injected,
 * so the same server runs in `milepost serve`, in the tests and in the
 * benchmarks.
 */
import type { JourneyGateway } from '../temporal/journey-gateway.ts';
import type { Pool } from '../../store/pool.ts';

/** The part of the Temporal journey gateway the API uses. */
export type ApiJourneyGateway = Pick<JourneyGateway, 'enrol' | 'deliverEvent' | 'report' | 'completeMilestone'>;

/** The API server's dependencies. */
export interface ApiDeps {
  pool: Pool;
  gateway: ApiJourneyGateway;
  /** The bearer token every route but `GET /health` requires. */
  token: string;
  /** Current instant, epoch ms (injected so tests control "now"). */
  clock: () => number;
  /** Answers when Temporal is reachable; throws otherwise. Used by `GET /health`. */
  temporalHealth?: () => Promise<void>;
  /** Log requests (pino through Fastify). Default false. */
  logger?: boolean;
}
