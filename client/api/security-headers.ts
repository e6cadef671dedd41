/**
 * Security headers on every response, API and dashboard alike.
 *
 * The dashboard is server-rendered with no script at all, so the policy
 * allows none: an injected `<script>` (were escaping ever to fail) does not
 * run. Styles are inline (one `<style>` per page, and `style` attributes for
 * the state colours), so `style-src` allows inline styles and nothing else.
 * No page may be framed (clickjacking), no response sniffed as another
 * type, and no URL (which may carry filters such as a CSM's address) leaks
 * in a Referer.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The Content-Security-Policy of every response. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Every header this module sets, by name. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Sets the headers on one reply (for answers sent outside the hooks, such as the router's own errors). */
export function applySecurityHeaders(reply: FastifyReply): void {
  void reply.headers(SECURITY_HEADERS);
}

/** Installs the headers on every response: set in the first `onRequest` hook, so a 401 or 404 has them too. */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => { applySecurityHeaders(reply); });
}
