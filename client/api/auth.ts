/**
 * Who is asking, and may they (issue 13): every request but the public ones
 * is made by a user with a role, and every route declares what it needs.
 *
 * Who, in this order:
 * 1. `Authorization: Bearer <token>`: the machine token (`MILEPOST_API_TOKEN`,
 *    role `operator`, no person) or a person's personal token
 *    (`milepost user add`, stored hashed in `users`);
 * 2. the trusted reverse proxy's header (`MILEPOST_AUTH_PROXY_HEADER`, e.g.
 *    oauth2-proxy's `X-Forwarded-Email`), believed only from the addresses
 *    of `MILEPOST_AUTH_PROXY_FROM`; the address must be a user;
 * 3. the browser's session cookie (the sign-in page exchanges a token for
 *    it: HttpOnly, SameSite=Strict, Secure over TLS).
 * Nobody: a browser asking for a dashboard page is sent to `/sign-in`,
 * anything else gets 401 with a JSON error list.
 *
 * May they: a route declares `config: { permission }` (one of
 * {@link PERMISSIONS}); a route that declares nothing is `read` for GET and
 * HEAD and `manage` (managers only) otherwise, so a new state-changing route
 * is closed until it says who may use it. A forbidden request is 403 before
 * its body is read: nothing changes. A CSM may work only their own book:
 * routes that act on one customer call {@link refuseOutsideBook}.
 *
 * CSRF: a state-changing request authenticated by a cookie or the proxy (a
 * browser, which sends those on its own) must carry its session's CSRF token
 * (form field `_csrf` or header `X-CSRF-Token`), and an `Origin` header, when
 * sent, must be this server's. Bearer requests need neither (a browser never
 * adds that header by itself).
 *
 * `by`: a route that records who did something declares `config: { by: true }`;
 * for a person the body's `by` is set to their address (and a different one
 * is 403: nobody acts in another's name); the machine token must say `by`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findSession, findUser, findUserByToken, secretHash, type Role } from '../../store/users.ts';
import type { Queryable } from '../../store/queryable.ts';

/** What a route may need. */
export const PERMISSIONS = {
  /** Look at anything (every API read, the dashboard's pages). */
  read: ['manager', 'csm', 'operator'],
  /** The team's pages (one row per CSM, the forecast, GRR/NRR). */
  team: ['manager'],
  /**
   * Close and assign tasks, complete milestones by hand. A CSM only in their
   * own book (the route checks); the operator role because integrations and
   * the CLI do this with the machine token, always naming the person (`by`).
   */
  work: ['manager', 'csm', 'operator'],
  /** Enrol customers, send events, import, deploy, settings: the operator's work. */
  enrol: ['manager', 'operator'],
  events: ['manager', 'operator'],
  import: ['manager', 'operator'],
  deploy: ['manager', 'operator'],
  settings: ['manager', 'operator'],
  /** Anything not declared otherwise: managers only. */
  manage: ['manager'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

/** Who is asking. `via` says how they proved it; `machine` is the shared API token (no person). */
export interface RequestUser {
  email: string;
  role: Role;
  via: 'machine' | 'token' | 'proxy' | 'session';
}

/** The address recorded for the machine token when it signs in to the dashboard (it is nobody's). */
export const MACHINE_USER = { email: 'api-token', role: 'operator' } as const;

/** The session cookie. */
export const SESSION_COOKIE = 'milepost_session';

/** Form fields the auth layer reads and removes before a route sees the body. */
export const CSRF_FIELD = '_csrf';
export const NEXT_FIELD = '_next';

/** Paths of the dashboard (HTML for browsers): where a missing sign-in redirects instead of 401. */
export const isDashboardPath = (path: string) => path === '/' || path === '/dashboard' || path.startsWith('/dashboard/');

/** Whether `role` has `permission`. */
export function allows(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** The trusted-proxy settings. */
export interface AuthProxy {
  /** The header carrying the signed-in person's e-mail address (lower-cased by Node). */
  header: string;
  /** Peer addresses the header is believed from (exact addresses; IPv4-mapped IPv6 forms match their IPv4). */
  from: readonly string[];
}

/** A proxy setting that cannot work (the server does not start). */
export class AuthConfigError extends Error {
  override name = 'AuthConfigError';
}

/** Reads `MILEPOST_AUTH_PROXY_HEADER` / `MILEPOST_AUTH_PROXY_FROM`; null when no header is set. */
export function authProxyFromEnv(env: NodeJS.ProcessEnv): AuthProxy | null {
  const header = env.MILEPOST_AUTH_PROXY_HEADER?.trim();
  if (!header) return null;
  const from = (env.MILEPOST_AUTH_PROXY_FROM ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (from.length === 0) throw new AuthConfigError('MILEPOST_AUTH_PROXY_HEADER is set but MILEPOST_AUTH_PROXY_FROM names no address to trust it from');
  return { header: header.toLowerCase(), from };
}

/** What {@link installAuth} needs. */
export interface AuthOptions {
  db: Queryable;
  /** The machine token (`MILEPOST_API_TOKEN`). */
  token: string;
  clock: () => number;
  proxy?: AuthProxy | null;
  /** Renders a short HTML page (title, text) for a browser's 403; plain text without it. */
  htmlPage?: (title: string, message: string) => string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking (null only on public routes). */
    user: RequestUser | null;
    /** The CSRF token this user's forms carry (sessions and the proxy; null for bearer tokens). */
    csrfToken: string | null;
    /** A dashboard form's post: where to send the browser after it (a path of this server). */
    formNext: string | null;
  }
  interface FastifyContextConfig {
    /** What the route needs (default: `read` for GET/HEAD, `manage` otherwise). */
    permission?: Permission;
    /** Reachable without signing in (health, API description, sign-in). */
    public?: boolean;
    /** The route records who acted as the body's `by` (set for a person, required of the machine). */
    by?: boolean;
    /** The route also takes a dashboard form's body (application/x-www-form-urlencoded). */
    form?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes reachable without signing in besides those declaring `public`: the health check, and the API's description (it holds no data). */
const PUBLIC_ROUTES = new Set(['/health', '/openapi.json']);

/** Installs identification, the permission check and CSRF protection on `app`; call before registering routes. */
export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  const machine = digest(options.token);
  const isMachineToken = (candidate: string) => timingSafeEqual(digest(candidate), machine);
  // Forms rendered for proxy-signed-in people carry an HMAC of their address under this process's key.
  const proxyKey = randomBytes(32);
  const proxyCsrf = (email: string) => createHmac('sha256', proxyKey).update(email).digest('base64url');
  const trusted = new Set((options.proxy?.from ?? []).flatMap((a) => [a, `::ffff:${a}`]));

  // The dashboard's forms (sign-in, closing a task, ...) post as browsers do, to the routes that declare
  // `form: true`; anywhere else such a body is the 415 any unsupported type gets (hardening.ts).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (request.routeOptions.config?.form !== true) {
      done(Object.assign(new Error('unsupported content type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), undefined);
      return;
    }
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.decorateRequest('user', null);
  app.decorateRequest('csrfToken', null);
  app.decorateRequest('formNext', null);

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config ?? {};
    if (config.public === true || PUBLIC_ROUTES.has(request.routeOptions.url ?? '')) return;
    const url = new URL(request.url, 'http://localhost');
    const browser = isDashboardPath(url.pathname) || request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true;

    // 1. Bearer token.
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (match === null) return unauthorised(reply, 'malformed Authorization header: expected Bearer <token>');
      if (isMachineToken(match[1]!)) request.user = { email: MACHINE_USER.email, role: 'operator', via: 'machine' };
      else {
        const person = await findUserByToken(options.db, match[1]!);
        if (person === null) return unauthorised(reply, 'wrong bearer token');
        request.user = { ...person, via: 'token' };
      }
    }
    // 2. The trusted proxy's header, from a trusted address only (anyone else's copy of it is ignored).
    if (request.user === null && options.proxy && trusted.has(request.socket.remoteAddress ?? '')) {
      const claimed = request.headers[options.proxy.header];
      const email = Array.isArray(claimed) ? claimed[0] : claimed;
      if (email) {
        const person = await findUser(options.db, email);
        if (person === null) return forbidden(reply, browser, options, `${email} is not a Milepost user (ask a manager to add you: milepost user add ${email} --role csm)`);
        request.user = { ...person, via: 'proxy' };
        request.csrfToken = proxyCsrf(person.email);
      }
    }
    // 3. The session cookie.
    if (request.user === null) {
      const id = readCookie(request.headers.cookie, SESSION_COOKIE);
      const session = id === null ? null : await findSession(options.db, id, options.clock(), MACHINE_USER);
      if (session !== null) {
        request.user = { ...session.user, via: 'session' };
        request.csrfToken = session.csrf;
      }
    }
    if (request.user === null) {
      if (SAFE_METHODS.has(request.method) && isDashboardPath(url.pathname)) {
        // A `token` parameter (an old sign-in link) is not carried along: it would end up in logs and history.
        url.searchParams.delete('token');
        return reply.code(303).header('location', `/sign-in?${new URLSearchParams({ next: url.pathname + url.search })}`).send();
      }
      return unauthorised(reply, 'missing bearer token: send Authorization: Bearer <token> (or sign in at /sign-in)');
    }
    // An unknown route changes nothing (it answers 404, or 405 naming the methods it has), so reading is enough.
    const permission = config.permission ?? (SAFE_METHODS.has(request.method) || request.is404 ? 'read' : 'manage');
    if (!allows(request.user.role, permission)) {
      return forbidden(reply, browser, options, `${describeUser(request.user)} may not do this (it needs the ${PERMISSIONS[permission].join(' or ')} role)`);
    }
    if (!SAFE_METHODS.has(request.method) && request.csrfToken !== null) {
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== 'null' && safeHost(origin) !== request.headers.host) {
        return forbidden(reply, browser, options, `cross-site request refused (Origin ${origin})`);
      }
    }
  });

  // After the body is parsed: the CSRF token, the form's destination, and `by`.
  app.addHook('preValidation', async (request, reply) => {
    const user = request.user;
    if (user === null || SAFE_METHODS.has(request.method)) return;
    const body = isPlainObject(request.body) ? request.body : null;
    if (body !== null && typeof body[NEXT_FIELD] === 'string') {
      request.formNext = localPath(body[NEXT_FIELD]);
    }
    if (request.csrfToken !== null) {
      const sent = (body !== null && typeof body[CSRF_FIELD] === 'string' ? body[CSRF_FIELD] : undefined) ?? request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameSecret(sent, request.csrfToken)) {
        return forbidden(reply, request.formNext !== null, options, 'the form is out of date or came from another site (CSRF token missing or wrong): reload the page and try again');
      }
    }
    if (body !== null) { delete body[CSRF_FIELD]; delete body[NEXT_FIELD]; }
    if (request.routeOptions.config?.by === true && user.via !== 'machine') {
      const target = body ?? {};
      if (target.by !== undefined && (typeof target.by !== 'string' || target.by.trim().toLowerCase() !== user.email)) {
        return forbidden(reply, request.formNext !== null, options, `signed in as ${user.email}: you cannot act as ${String(target.by)}`);
      }
      target.by = user.email;
      request.body = target;
    }
  });

  // A dashboard form's answer: back to the page it came from, or a page saying what went wrong.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.formNext === null) return payload;
    if (reply.statusCode < 400) {
      void reply.code(303).header('location', request.formNext).header('content-type', 'text/plain; charset=utf-8');
      return '';
    }
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
    void reply.header('content-type', 'text/html; charset=utf-8');
    const message = errorText(payload);
    return options.htmlPage?.('Not done', `${message}\n\nBack to ${request.formNext}`) ?? message;
  });
}

/**
 * For a route acting on one customer's book: a CSM may act only where they
 * are the customer's CSM or the task's assignee. Sends 403 and returns true
 * when the user may not (the caller returns at once, having changed nothing).
 */
export function refuseOutsideBook(request: FastifyRequest, reply: FastifyReply, owner: { csm: string | null; assignee?: string | null }, what: string): boolean {
  const user = request.user;
  if (user === null || user.role !== 'csm') return false;
  const mine = (address: string | null | undefined) => address?.trim().toLowerCase() === user.email;
  if (mine(owner.csm) || mine(owner.assignee)) return false;
  void reply.code(403).send({ errors: [`${user.email} may only look at ${what}: it is in ${owner.csm ?? 'nobody'}'s book`] });
  return true;
}

/** Whether `user` may act on a customer with this CSM (and task assignee): the same rule as {@link refuseOutsideBook}, for pages deciding which buttons to show. */
export function mayWork(user: RequestUser | null, owner: { csm: string | null; assignee?: string | null }): boolean {
  if (user === null || !allows(user.role, 'work')) return false;
  if (user.role !== 'csm') return true;
  return owner.csm?.trim().toLowerCase() === user.email || owner.assignee?.trim().toLowerCase() === user.email;
}

/** `ada@example.com (csm)`, or `the API token (operator)`. */
export function describeUser(user: RequestUser): string {
  return user.via === 'machine' ? 'the API token (operator)' : `${user.email} (${user.role})`;
}

function unauthorised(reply: FastifyReply, error: string): FastifyReply {
  return reply.code(401).header('www-authenticate', 'Bearer').send({ errors: [{ error }] });
}

function forbidden(reply: FastifyReply, browser: boolean, options: AuthOptions, message: string): FastifyReply {
  if (browser && options.htmlPage) return reply.code(403).type('text/html; charset=utf-8').send(options.htmlPage('Not allowed', message));
  return reply.code(403).send({ errors: [message] });
}

/** The message(s) of a JSON error answer (`{"errors": [...]}`), else the payload as text. */
function errorText(payload: unknown): string {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
  try {
    const parsed = JSON.parse(text) as { errors?: unknown[] };
    if (Array.isArray(parsed.errors)) return parsed.errors.map((e) => (typeof e === 'string' ? e : (e as { error?: string; message?: string }).error ?? (e as { message?: string }).message ?? JSON.stringify(e))).join('\n');
  } catch { /* not JSON */ }
  return text;
}

/** A path on this server (`/dashboard/...`), never another site: anything else becomes `/dashboard`. */
export function localPath(next: string): string {
  return /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/dashboard';
}

function safeHost(origin: string): string | null {
  try { return new URL(origin).host; } catch { return null; }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one cookie of a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      try { return decodeURIComponent(value.join('=')); } catch { return null; }
    }
  }
  return null;
}

/** Compares two secrets in constant time. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function digest(text: string): Buffer {
  return Buffer.from(secretHash(text), 'hex');
}
