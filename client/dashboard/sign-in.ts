/**
 * Signing in and out of the dashboard (issue 13): `GET /sign-in` shows a
 * form for a personal token, `POST /sign-in` exchanges it for a session
 * cookie (HttpOnly, SameSite=Strict, Secure when served over TLS) and goes
 * on to the page the browser first asked for; `POST /sign-out` ends the
 * session. Behind a trusted proxy (client/api/auth.ts) nobody sees this page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createSession, endSession, findUserByToken, SESSION_LIFETIME_MS } from '../../store/users.ts';
import type { ApiDeps } from '../api/deps.ts';
import { CSRF_FIELD, localPath, MACHINE_USER, readCookie, sameSecret, SESSION_COOKIE } from '../api/auth.ts';
import { esc, page } from './html.ts';

/** Registers `/sign-in` and `/sign-out`. */
export function registerSignInRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const cookie = (request: FastifyRequest, value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${encodeURIComponent(value)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${request.protocol === 'https' ? '; Secure' : ''}`;
  const form = (reply: FastifyReply, next: string, problem: string | null) =>
    reply.type('text/html; charset=utf-8').send(signInPage(next, problem));

  app.get<{ Querystring: { next?: string } }>('/sign-in', { config: { public: true } }, async (request, reply) =>
    form(reply, localPath(request.query.next ?? '/dashboard'), null));

  app.post<{ Body: { token?: string; next?: string } }>('/sign-in', { config: { public: true, form: true } }, async (request, reply) => {
    const asked = localPath(typeof request.body?.next === 'string' && request.body.next !== '' ? request.body.next : '/dashboard');
    // Another site's form cannot sign this browser in as someone else (login CSRF).
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null' && hostOf(origin) !== request.headers.host) {
      return form(reply.code(403), asked, 'Sign-in from another site refused.');
    }
    const token = typeof request.body?.token === 'string' ? request.body.token.trim() : '';
    if (token === '') return form(reply.code(400), asked, 'Paste your personal token (milepost user add prints it once).');
    const user = sameSecret(token, deps.token) ? MACHINE_USER : await findUserByToken(deps.pool, token);
    if (user === null) return form(reply.code(401), asked, 'That token is not valid: check it, or ask a manager for a new one.');
    const email = user.email;
    // The dashboard's front page is each role's own: a CSM's work, a manager's team.
    const next = asked !== '/dashboard' ? asked : user.role === 'csm' ? '/dashboard/me' : user.role === 'manager' ? '/dashboard/team' : asked;
    const session = await createSession(deps.pool, email, deps.clock());
    return reply.code(303).header('set-cookie', cookie(request, session.id, SESSION_LIFETIME_MS / 1000)).header('location', next).send();
  });

  app.post('/sign-out', { config: { permission: 'read', form: true } }, async (request, reply) => {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (id !== null) await endSession(deps.pool, id);
    return reply.code(303).header('set-cookie', cookie(request, '', 0)).header('location', '/sign-in').send();
  });
}

/** The sign-in form. */
export function signInPage(next: string, problem: string | null): string {
  return page('Sign in', `<form class="sign-in" method="post" action="/sign-in">
${problem === null ? '' : `<p class="problem" role="alert">${esc(problem)}</p>`}
<label for="token">Personal token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${esc(next)}">
<button type="submit">Sign in</button>
<p class="muted">Your token was printed once by <code>milepost user add you@example.com --role csm</code>. Lost it? A manager can give you a new one.</p>
</form>`);
}

/** The hidden CSRF field of a state-changing form. */
export function csrfField(csrf: string | null): string {
  return csrf === null ? '' : `<input type="hidden" name="${CSRF_FIELD}" value="${esc(csrf)}">`;
}

function hostOf(origin: string): string | null {
  try { return new URL(origin).host; } catch { return null; }
}
