/**
 * Bearer-token authentication: every route but the health check needs
 * `Authorization: Bearer <token>` (SPEC §15). Checked in `onRequest`, before
 * the body is read, so an unauthenticated request costs nothing and changes
 * nothing.
 *
 * Browsers cannot add a header to a link, so the dashboard also takes the
 * token once as `?token=` on a GET, answers with an HttpOnly, SameSite=Strict
 * cookie and a redirect to the same page without it; that cookie is then
 * accepted on GET requests only (never on a request that changes data, so a
 * forged cross-site POST gets nothing from it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** Routes reachable without a token: the health check, and the API's description (it holds no data). */
const PUBLIC_ROUTES = new Set(['/health', '/openapi.json']);

/** Paths of the dashboard: the only ones a browser signs in to with `?token=` and the cookie (never an API route). */
export const isDashboardPath = (path: string) => path === '/' || path === '/dashboard' || path.startsWith('/dashboard/');

/** The dashboard's session cookie. */
export const TOKEN_COOKIE = 'milepost_token';

/** Installs the bearer-token check on `app`. */
export function requireBearerToken(app: FastifyInstance, token: string): void {
  // Compare digests so the comparison takes the same time whatever the length.
  const expected = digest(token);
  const valid = (candidate: string) => timingSafeEqual(digest(candidate), expected);
  app.addHook('onRequest', async (request, reply) => {
    if (PUBLIC_ROUTES.has(request.routeOptions.url ?? '')) return;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (match !== null && valid(match[1]!)) return;
      return reply.code(401).header('www-authenticate', 'Bearer')
        .send({ errors: [{ error: match === null ? 'malformed Authorization header: expected Bearer <token>' : 'wrong bearer token' }] });
    }
    const url = new URL(request.url, 'http://localhost');
    if ((request.method === 'GET' || request.method === 'HEAD') && isDashboardPath(url.pathname)) {
      const queryToken = url.searchParams.get('token');
      if (queryToken !== null && valid(queryToken)) {
        url.searchParams.delete('token');
        return reply.code(303)
          .header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(queryToken)}; HttpOnly; SameSite=Strict; Path=/`)
          .header('location', url.pathname + url.search).send();
      }
      const cookie = readCookie(request.headers.cookie, TOKEN_COOKIE);
      if (cookie !== null && valid(cookie)) return;
    }
    return reply.code(401).header('www-authenticate', 'Bearer')
      .send({ errors: [{ error: 'missing bearer token: send Authorization: Bearer <token>' }] });
  });
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      try { return decodeURIComponent(value.join('=')); } catch { return null; }
    }
  }
  return null;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
