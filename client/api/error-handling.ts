/**
 * One error shape for every answer that is not a success: `{"errors":
 * [...]}` (docs/api.md, "Errors"), whether a route refuses the request, the
 * router does (an unknown route 404, an over-long path segment 414, a
 * malformed URL 400, a known path asked with another method 405) or Fastify does (413 body too large, 415 content type).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { JourneysUnavailableError } from './journeys-unavailable.ts';
import { allowedMethods } from './route-catalogue.ts';
import { applySecurityHeaders } from './security-headers.ts';

/** Largest request body accepted: 1 MiB (reference §15); larger gets 413. */
export const BODY_LIMIT = 1024 * 1024;

/**
 * Longest path segment the router matches (decoded characters). Above a
 * customer id's 200: a longer segment gets 414 in the errors shape.
 */
export const MAX_PARAM_LENGTH = 1000;

/** The error body: one `{"error": message}` per problem. */
export function errorBody(...messages: string[]): { errors: Array<{ error: string }> } {
  return { errors: messages.map((error) => ({ error })) };
}

/**
 * Postgres refusing text (SQLSTATE 22021 "invalid byte sequence", 22P05
 * "unsupported Unicode escape sequence"): bad input the checks before it
 * missed, so a 400, never a 500.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/** Installs the error and not-found handlers (the router's own errors come through {@link frameworkErrors}). */
export function installErrorHandling(app: FastifyInstance): void {
  // An unknown route's request fails in body parsing before the not-found handler runs (a QUERY
  // without Content-Type, a malformed body): it is still a 404 (or 405), never the parser's 400.
  const notFound = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    const allowed = allowedMethods(app, path);
    if (allowed.length > 0) {
      return reply.code(405).header('allow', allowed.join(', ')).send(errorBody(`${request.method} is not a method of ${path}: use ${allowed.join(', ')}`));
    }
    return reply.code(404).send(errorBody(`no route ${request.method} ${path}`));
  };
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (request.is404) return notFound(request, reply);
    if (error instanceof JourneysUnavailableError) {
      reply.log.warn(error);
      return reply.code(503).send(errorBody(error.message));
    }
    if (UNSTORABLE_TEXT.has(String((error as { code?: unknown }).code))) {
      reply.log.warn(error);
      return reply.code(400).send(errorBody('the request holds text the database cannot store (a NUL character or a lone surrogate)'));
    }
    const status = error.statusCode ?? 500;
    if (status < 400 || status >= 500) {
      reply.log.error(error);
      return reply.code(500).send(errorBody('internal error; see the server log'));
    }
    return reply.code(status).send(errorBody(fastifyMessage(error, request)));
  });
  app.setNotFoundHandler(notFound);
}

/** Fastify's `frameworkErrors` option: the router's refusals (a malformed URL, an over-long path segment). */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  applySecurityHeaders(reply);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(414).send(errorBody(`a path segment is longer than ${MAX_PARAM_LENGTH} characters (ids are at most 200)`));
    return;
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).send(errorBody(`malformed URL: a path segment is not valid percent-encoded UTF-8 (${request.url.split('?')[0]})`));
    return;
  }
  void reply.code(error.statusCode ?? 400).send(errorBody(error.message));
}

function fastifyMessage(error: FastifyError, request: FastifyRequest): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return `request body is larger than ${BODY_LIMIT} bytes (1 MiB)`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return `unsupported content type '${request.headers['content-type'] ?? ''}': send application/json (text/csv for /customers/import)`;
    default: return error.message;
  }
}
