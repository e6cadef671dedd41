/**
 * What every request meets before and around its route: the server options
 * (body and path-segment limits, the router's errors), the body parsers,
 * the security headers, the check of paths and queries for text Postgres
 * cannot store, and the one error handler. server.ts calls these two.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { BODY_LIMIT, MAX_PARAM_LENGTH, frameworkErrors, installErrorHandling } from './error-handling.ts';
import { refuseUnstorableText } from './input-guards.ts';
import { installBodyParsers } from './json-body.ts';
import { recordRoutes } from './route-catalogue.ts';
import { installSecurityHeaders } from './security-headers.ts';

/** Options for `Fastify(...)`. */
export function hardenedServerOptions(): FastifyServerOptions {
  return {
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
  };
}

/** Installs parsers, headers, input checks and error handling; call before registering routes. */
export function installHardening(app: FastifyInstance): void {
  recordRoutes(app);
  installSecurityHeaders(app);
  installBodyParsers(app);
  refuseUnstorableText(app);
  installErrorHandling(app);
}
