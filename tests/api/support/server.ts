/** Starts the API on an ephemeral loopback port for a test, with a test database. */
import type { FastifyInstance } from 'fastify';
import { buildApiServer } from '../../../client/api/server.ts';
import type { ApiDeps, ApiJourneyGateway } from '../../../client/api/deps.ts';
import type { Pool } from '../../../store/pool.ts';

export const TOKEN = 'test-token-0123456789';

/** A running API server and a fetch bound to it. */
export interface RunningApi {
  app: FastifyInstance;
  base: string;
  /** fetch with the bearer token unless `headers.authorization` is given (or `null` to send none). */
  call(path: string, init?: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string | null> }): Promise<{ status: number; json: any; text: string }>;
  /** Resolves once the server's delivery loop has handed every stored event to the journeys it can reach. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0. */
export async function startApi(pool: Pool, gateway: ApiJourneyGateway, overrides: Partial<ApiDeps> = {}): Promise<RunningApi> {
  const app = buildApiServer({ pool, gateway, token: TOKEN, clock: () => Date.now(), delivery: { retryEveryMs: 50, sweepEveryMs: 200 }, ...overrides });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    base: address,
    async call(path, init = {}) {
      const headers: Record<string, string> = {};
      const given = init.headers ?? {};
      if (!('authorization' in given)) headers.authorization = `Bearer ${TOKEN}`;
      for (const [k, v] of Object.entries(given)) if (v !== null) headers[k] = v;
      let body: string | undefined;
      if (init.raw !== undefined) body = init.raw;
      else if (init.body !== undefined) body = JSON.stringify(init.body);
      if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
      const response = await fetch(address + path, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
      const text = await response.text();
      let json: unknown = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: response.status, json, text };
    },
    settle: () => app.deliveries.idle(),
    close: () => app.close(),
  };
}

/** Row counts of the tables a request could change. */
export async function rowCounts(pool: Pool): Promise<Record<string, number>> {
  const tables = ['customers', 'journeys', 'customer_events', 'rejected_events', 'playbook_versions'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = rows[0]!.n;
  }
  return counts;
}
