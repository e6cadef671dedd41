/**
 * The HTTP API and dashboard server (reference §15), built from injected
 * dependencies so `milepost serve`, the tests and the benchmarks run the same
 * code. Routes live in `routes/` (API) and `../dashboard/` (HTML).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { installAuth } from './auth.ts';
import { BODY_LIMIT } from './error-handling.ts';
import { startDeliveryLoop, type DeliveryLoop } from './event-delivery.ts';
import { hardenedServerOptions, installHardening } from './hardening.ts';
import type { ApiDeps } from './deps.ts';
import { registerCustomerRoutes } from './routes/customers.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerHealthRoute } from './routes/health.ts';
import { registerImportRoute } from './routes/import.ts';
import { registerOpenApiRoute } from './routes/openapi.ts';
import { registerReadRoutes } from './routes/reads.ts';
import { registerTaskRoutes } from './routes/tasks.ts';
import { registerDashboardRoutes } from '../dashboard/routes.ts';
import { messagePage } from '../dashboard/html.ts';
import { registerSignInRoutes } from '../dashboard/sign-in.ts';
import { installMetrics } from '../observability/metrics.ts';

/** Largest request body accepted: 1 MiB (reference §15); larger gets 413. */
export { BODY_LIMIT };

/** Builds the server; call `listen` on it (port 0 in tests). */
export function buildApiServer(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    ...(typeof deps.logger === 'object' ? { loggerInstance: deps.logger } : { logger: deps.logger ?? false }),
    ...hardenedServerOptions(),
  });
  // Body parsers, security headers, input checks and the one error handler (hardening.ts).
  installHardening(app);
  // Who is asking and may they (roles, sessions, CSRF): client/api/auth.ts.
  installAuth(app, { db: deps.pool, token: deps.token, clock: deps.clock, proxy: deps.authProxy ?? null, htmlPage: messagePage });
  registerSignInRoutes(app, deps);
  registerHealthRoute(app, deps);
  registerCustomerRoutes(app, deps);
  // The delivery loop lives with the server that stores the events: started with it, stopped on close.
  const delivery = startDeliveryLoop({
    pool: deps.pool, gateway: deps.gateway, clock: deps.clock, warn: (message) => app.log.warn(message),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }), ...deps.delivery,
    onDelivered: (count, overMs) => {
      deps.observability?.eventsDelivered.inc(count);
      app.log.info({ delivered: count, overMs }, 'events delivered');
    },
  });
  app.decorate('deliveries', delivery);
  app.addHook('onClose', async () => { await delivery.stop(); });
  registerEventRoutes(app, deps, delivery);
  registerReadRoutes(app, deps);
  registerTaskRoutes(app, deps);
  registerImportRoute(app, deps);
  registerOpenApiRoute(app);
  registerDashboardRoutes(app, deps);
  if (deps.observability !== undefined) installMetrics(app, deps.observability);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's event delivery loop (tests wait on `deliveries.idle()`; /metrics reads its backlog). */
    deliveries: DeliveryLoop;
  }
}
