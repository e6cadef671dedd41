/**
 * The routes a server registered, as Fastify saw them: for the OpenAPI drift
 * test (every API route described, nothing else) and for answering a known
 * path asked with a method it does not have with 405 and `Allow` (RFC 9110
 * §15.5.6) instead of 404.
 */
import type { FastifyInstance } from 'fastify';

/** One registered route: `url` in Fastify's form (`/customers/:id`). */
export interface RegisteredRoute {
  method: string;
  url: string;
}

const catalogues = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Starts recording `app`'s routes; call before any is registered. */
export function recordRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  catalogues.set(app, routes);
  app.addHook('onRoute', (options) => {
    for (const method of [options.method].flat()) routes.push({ method: String(method).toUpperCase(), url: options.url ?? options.path });
  });
}

/** Every route `app` registered (HEAD routes Fastify adds for each GET included). */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return catalogues.get(app) ?? [];
}

/** The methods `app` answers on `path` (a request path, not a pattern); empty when none. */
export function allowedMethods(app: FastifyInstance, path: string): string[] {
  const methods = new Set<string>();
  for (const route of registeredRoutes(app)) if (patternOf(route.url).test(path)) methods.add(route.method);
  return [...methods].sort();
}

const patterns = new Map<string, RegExp>();
function patternOf(url: string): RegExp {
  let pattern = patterns.get(url);
  if (pattern === undefined) {
    const source = url.split('/').map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    pattern = new RegExp(`^${source}$`);
    patterns.set(url, pattern);
  }
  return pattern;
}
