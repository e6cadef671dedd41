/** `GET /health`: 200 when the server, Postgres and Temporal answer (reference §15); 503 naming what does not. */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.ts';
import { pingDatabase } from '../../../store/queryable.ts';

/** Registers `GET /health`, the one route without a token. */
export function registerHealthRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/health', async (_request, reply) => {
    const [postgres, temporal] = await Promise.all([
      probe(() => pingDatabase(deps.pool)),
      probe(deps.temporalHealth ?? (async () => undefined)),
    ]);
    const ok = postgres === 'ok' && temporal === 'ok';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', postgres, temporal });
  });
}

async function probe(check: () => Promise<void>): Promise<string> {
  try {
    await withTimeout(check(), 3000);
    return 'ok';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
