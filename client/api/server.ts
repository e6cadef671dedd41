/**
 * The HTTP API and dashboard server (SPEC §15), built from injected
 * dependencies so `milepost serve`, the tests and the benchmarks run the same
 * code. Routes live in `routes/` (API) and `../dashboard/` (HTML).
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { requireBearerToken } from './auth.ts';
import { startDeliveryLoop, type DeliveryLoop } from './event-delivery.ts';
import { JourneysUnavailableError } from './journeys-unavailable.ts';
import type { ApiDeps } from './deps.ts';
import { registerCustomerRoutes } from './routes/customers.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerHealthRoute } from './routes/health.ts';
import { registerImportRoute } from './routes/import.ts';
import { registerOpenApiRoute } from './routes/openapi.ts';
import { registerReadRoutes } from './routes/reads.ts';
import { registerTaskRoutes } from './routes/tasks.ts';
import { registerDashboardRoutes } from '../dashboard/routes.ts';

/** Largest request body accepted: 1 MiB (SPEC §15); larger gets 413. */
export const BODY_LIMIT = 1024 * 1024;

/** Builds the server; call `listen` on it (port 0 in tests). */
export function buildApiServer(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: BODY_LIMIT });
  // Parse JSON ourselves so a malformed body gets a message that says so.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(badRequest('empty body: expected JSON'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(badRequest(`malformed JSON: ${(err as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
  requireBearerToken(app, deps.token);
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (error instanceof JourneysUnavailableError) {
      reply.log.warn(error);
      return reply.code(503).send({ errors: [{ error: error.message }] });
    }
    if (status >= 500) {
      reply.log.error(error);
      return reply.code(500).send({ errors: [{ error: 'internal error; see the server log' }] });
    }
    const message = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? `request body is larger than ${BODY_LIMIT} bytes (1 MiB)`
      : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? `unsupported content type '${_request.headers['content-type'] ?? ''}': send application/json`
        : error.message;
    return reply.code(status).send({ errors: [{ error: message }] });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ errors: [{ error: `no route ${request.method} ${request.url.split('?')[0]}` }] }));
  registerHealthRoute(app, deps);
  registerCustomerRoutes(app, deps);
  // The delivery loop lives with the server that stores the events: started with it, stopped on close.
  const delivery = startDeliveryLoop({
    pool: deps.pool, gateway: deps.gateway, clock: deps.clock, warn: (message) => app.log.warn(message),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }), ...deps.delivery,
  });
  app.decorate('deliveries', delivery);
  app.addHook('onClose', async () => { await delivery.stop(); });
  registerEventRoutes(app, deps, delivery);
  registerReadRoutes(app, deps);
  registerTaskRoutes(app, deps);
  registerImportRoute(app, deps);
  registerOpenApiRoute(app);
  registerDashboardRoutes(app, deps);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's event delivery loop (tests wait on `deliveries.idle()`; /metrics reads its backlog). */
    deliveries: DeliveryLoop;
  }
}

function badRequest(message: string): FastifyError {
  return Object.assign(new Error(message), { statusCode: 400, code: 'MILEPOST_BAD_JSON', name: 'BadRequest' }) as FastifyError;
}
