/**
 * People, roles and sessions over real HTTP and real Postgres (issue 13 item
 * 1): the sign-in page and its cookie, the role each route declares, a CSM's
 * own book, CSRF on cookie-authenticated posts, `by` recorded as the person,
 * the trusted proxy only from its address. Every refusal is checked to have
 * changed nothing (rows and the journey gateway's calls). The journeys
 * themselves are a recording gateway here; the Chromium test
 * (dashboard.test.ts) drives the same routes against real Temporal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, findSession, findUserByToken, InvalidUserError, UserExistsError } from '../../store/users.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { TOKEN, startApi, rowCounts, type RunningApi } from '../api/support/server.ts';
import type { ApiJourneyGateway } from '../../client/api/deps.ts';

let db: TestDatabase;
let api: RunningApi;
const calls: Array<{ method: string; args: unknown[] }> = [];
const tokens: Record<string, string> = {};

const gateway: ApiJourneyGateway = {
  enrol: async (...args) => { calls.push({ method: 'enrol', args }); throw new Error('not in this test'); },
  deliverEvent: async (...args) => { calls.push({ method: 'deliverEvent', args }); throw new Error('not in this test'); },
  report: async (...args) => { calls.push({ method: 'report', args }); throw new Error('not in this test'); },
  completeMilestone: async (...args) => { calls.push({ method: 'completeMilestone', args }); return { ok: true } as never; },
  closeTask: async (...args) => {
    calls.push({ method: 'closeTask', args });
    return { id: (args[1] as { task: string }).task, closed_at: new Date().toISOString(), closed_because: 'done' };
  },
};

/** A task row of `customer` assigned to `assignee`; returns its global id. */
async function task(customer: string, assignee: string | null): Promise<number> {
  const { rows } = await db.pool.query<{ id: number }>(
    `INSERT INTO tasks (idem_key, task_id, journey_id, customer_id, playbook, source, title, assignee_role, assignee, priority, due_at, fired_at)
     VALUES ($1, $2, $3, $4, 'onboarding', 'milestone/kickoff/step/0', 'Kickoff call', 'csm', $5, 'normal', now(), now()) RETURNING id::int`,
    [`journey:onboarding:${customer}/${Math.random()}`, `t-${Math.random()}`, `journey:onboarding:${customer}`, customer, assignee]);
  return rows[0]!.id;
}

async function taskState(id: number) {
  return (await db.pool.query('SELECT status, close_requested_by, closed_by, assignee FROM tasks WHERE id = $1', [id])).rows[0];
}

/** fetch without following redirects. */
function raw(path: string, init: RequestInit = {}) {
  return fetch(api.base + path, { redirect: 'manual', ...init });
}

/** Signs in with `token` on the sign-in form; returns the session cookie. */
async function signIn(token: string): Promise<string> {
  const response = await raw('/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, next: '/dashboard/tasks' }) });
  expect(response.status).toBe(303);
  const cookie = response.headers.get('set-cookie')!;
  return cookie.split(';')[0]!;
}

/** The CSRF token of the page's sign-out form. */
async function csrfOf(cookie: string): Promise<string> {
  const html = await (await raw('/dashboard/tasks', { headers: { cookie } })).text();
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  expect(match, 'a form with a CSRF token').not.toBeNull();
  return match![1]!;
}

function form(cookie: string, path: string, fields: Record<string, string>) {
  return raw(path, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
}

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startApi(db.pool, gateway);
  for (const [email, role] of [['ada@example.com', 'csm'], ['bo@example.com', 'csm'], ['max@example.com', 'manager'], ['ops@example.com', 'operator']] as const) {
    tokens[email] = (await addUser(db.pool, { email, role })).token;
  }
  await db.pool.query(`INSERT INTO customers (id, attrs, csm) VALUES ('acme', '{"csm":"ada@example.com"}', 'ada@example.com'), ('zeta', '{"csm":"bo@example.com"}', 'bo@example.com')`);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('users', () => {
  it('stores the personal token hashed and finds its user by it', async () => {
    const { rows } = await db.pool.query('SELECT token_hash FROM users WHERE email = $1', ['ada@example.com']);
    expect(rows[0].token_hash).not.toContain(tokens['ada@example.com']);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await findUserByToken(db.pool, tokens['ada@example.com']!)).toEqual({ email: 'ada@example.com', role: 'csm' });
    expect(await findUserByToken(db.pool, 'mp_wrong')).toBeNull();
  });

  it('refuses a second user with the same address, a bad address and an unknown role', async () => {
    await expect(addUser(db.pool, { email: 'ADA@example.com', role: 'csm' })).rejects.toBeInstanceOf(UserExistsError);
    await expect(addUser(db.pool, { email: 'not an address', role: 'csm' })).rejects.toBeInstanceOf(InvalidUserError);
    await expect(addUser(db.pool, { email: 'x@example.com', role: 'admin' })).rejects.toThrow(/unknown role 'admin': expected one of manager, csm, operator/);
  });
});

describe('signing in', () => {
  it('sends a browser without a session to the sign-in page, and anything else gets 401', async () => {
    const page = await raw('/dashboard/portfolio?playbook=x');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/sign-in?next=%2Fdashboard%2Fportfolio%3Fplaybook%3Dx');
    const form = await raw('/sign-in?next=%2Fdashboard%2Fportfolio');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="token"');
    const apiCall = await raw('/tasks');
    expect(apiCall.status).toBe(401);
    expect(await apiCall.json()).toEqual({ errors: [{ error: expect.stringMatching(/missing bearer token/) }] });
  });

  it('exchanges a personal token for an HttpOnly, SameSite=Strict session cookie (not Secure over plain HTTP)', async () => {
    const response = await raw('/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: tokens['ada@example.com']!, next: '/dashboard/tasks' }) });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/tasks');
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^milepost_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
    const page = await raw('/dashboard/tasks', { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('ada@example.com · csm');
  });

  it('refuses a wrong token with the form again, and never redirects off the site', async () => {
    const wrong = await raw('/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: 'mp_nope' }) });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That token is not valid');
    const offsite = await raw('/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: tokens['ada@example.com']!, next: '//evil.example/' }) });
    expect(offsite.headers.get('location')).toBe('/dashboard/me'); // a CSM's front page
  });

  it('ends the session at sign-out: the cookie opens nothing afterwards', async () => {
    const cookie = await signIn(tokens['bo@example.com']!);
    const csrf = await csrfOf(cookie);
    const out = await form(cookie, '/sign-out', { _csrf: csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/sign-in');
    expect(out.headers.get('set-cookie')).toMatch(/^milepost_session=; .*Max-Age=0/);
    expect(await findSession(db.pool, decodeURIComponent(cookie.split('=')[1]!), Date.now())).toBeNull();
    expect((await raw('/dashboard/tasks', { headers: { cookie } })).status).toBe(303);
  });
});

describe('roles', () => {
  it('a CSM token may read but not enrol, send events or import (403, nothing changed)', async () => {
    const before = await rowCounts(db.pool);
    const csm = { authorization: `Bearer ${tokens['ada@example.com']}` };
    expect((await api.call('/tasks', { headers: csm })).status).toBe(200);
    const enrol = await api.call('/customers', { headers: csm, body: { customer: { id: 'new-one', attrs: {} }, playbook: 'onboarding', contract: { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' } } });
    expect(enrol.status).toBe(403);
    expect(enrol.json.errors[0]).toMatch(/ada@example.com \(csm\) may not do this \(it needs the manager or operator role\)/);
    expect((await api.call('/events', { headers: csm, body: { id: 'e1', customer: 'acme', type: 'activated', at: '2026-01-02T00:00:00.000Z' } })).status).toBe(403);
    expect((await api.call('/customers/import?playbook=onboarding', { headers: { ...csm, 'content-type': 'text/csv' }, raw: 'id\nx\n' })).status).toBe(403);
    expect(await rowCounts(db.pool)).toEqual(before);
    expect(calls.filter((c) => c.method === 'enrol' || c.method === 'deliverEvent')).toEqual([]);
  });

  it('an operator may enrol and send events (the route is reached)', async () => {
    const operator = { authorization: `Bearer ${tokens['ops@example.com']}` };
    const enrol = await api.call('/customers', { headers: operator, body: {} });
    expect(enrol.status).toBe(400); // past the role check: the body is what is wrong
  });

  it('a CSM closes a task of their own book; `by` is their address', async () => {
    const id = await task('acme', 'ada@example.com');
    const response = await api.call(`/tasks/${id}/close`, { headers: { authorization: `Bearer ${tokens['ada@example.com']}` }, body: { note: 'called them' } });
    expect(response.status).toBe(200);
    expect(calls.at(-1)).toMatchObject({ method: 'closeTask', args: [`journey:onboarding:acme`, { by: 'ada@example.com', note: 'called them' }] });
    expect(await taskState(id)).toMatchObject({ status: 'closed', closed_by: 'ada@example.com' });
  });

  it('a CSM may not close, assign or complete in another CSM\'s book, nor act as someone else (403, nothing changed)', async () => {
    const theirs = await task('zeta', 'bo@example.com');
    const mine = await task('acme', 'ada@example.com');
    const csm = { authorization: `Bearer ${tokens['ada@example.com']}` };
    const before = calls.length;
    const close = await api.call(`/tasks/${theirs}/close`, { headers: csm, body: {} });
    expect(close.status).toBe(403);
    expect(close.json.errors[0]).toMatch(/in bo@example.com's book/);
    expect((await api.call(`/tasks/${theirs}/assign`, { headers: csm, body: { to: 'ada@example.com' } })).status).toBe(403);
    expect((await api.call(`/tasks/${mine}/close`, { headers: csm, body: { by: 'bo@example.com' } })).status).toBe(403);
    expect(await taskState(theirs)).toEqual({ status: 'open', close_requested_by: null, closed_by: null, assignee: 'bo@example.com' });
    expect(await taskState(mine)).toEqual({ status: 'open', close_requested_by: null, closed_by: null, assignee: 'ada@example.com' });
    expect(calls.length).toBe(before);
  });

  it('the machine token must say who closed a task; a manager may close any', async () => {
    const id = await task('zeta', 'bo@example.com');
    const machine = await api.call(`/tasks/${id}/close`, { body: {} });
    expect(machine.status).toBe(400);
    expect(await taskState(id)).toMatchObject({ status: 'open', close_requested_by: null });
    const manager = await api.call(`/tasks/${id}/close`, { headers: { authorization: `Bearer ${tokens['max@example.com']}` }, body: {} });
    expect(manager.status).toBe(200);
    expect(await taskState(id)).toMatchObject({ status: 'closed', closed_by: 'max@example.com' });
  });
});

describe('dashboard forms', () => {
  it('close a task with the session and its CSRF token, then go back to the page', async () => {
    const cookie = await signIn(tokens['ada@example.com']!);
    const csrf = await csrfOf(cookie);
    const id = await task('acme', 'ada@example.com');
    const response = await form(cookie, `/tasks/${id}/close`, { _csrf: csrf, _next: '/dashboard/tasks', note: 'done on the phone' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/tasks');
    expect(await taskState(id)).toMatchObject({ status: 'closed', closed_by: 'ada@example.com' });
  });

  it('refuse a post without the CSRF token, or from another origin (403, nothing changed)', async () => {
    const cookie = await signIn(tokens['ada@example.com']!);
    const csrf = await csrfOf(cookie);
    const id = await task('acme', 'ada@example.com');
    const before = calls.length;
    const missing = await form(cookie, `/tasks/${id}/close`, { _next: '/dashboard/tasks' });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('CSRF token missing or wrong');
    const wrong = await form(cookie, `/tasks/${id}/close`, { _csrf: `${csrf}x`, _next: '/dashboard/tasks' });
    expect(wrong.status).toBe(403);
    const json = await raw(`/tasks/${id}/close`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(403);
    const crossSite = await raw(`/tasks/${id}/close`, { method: 'POST', headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }) });
    expect(crossSite.status).toBe(403);
    expect(await taskState(id)).toMatchObject({ status: 'open', close_requested_by: null });
    expect(calls.length).toBe(before);
  });

  it('show the route\'s refusal as a page when a form fails', async () => {
    const cookie = await signIn(tokens['ada@example.com']!);
    const csrf = await csrfOf(cookie);
    const response = await form(cookie, '/tasks/999999/close', { _csrf: csrf, _next: '/dashboard/tasks' });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('no task &#39;999999&#39;');
  });
});

describe('the trusted proxy', () => {
  it('believes the header only from the trusted address, and only for a user', async () => {
    const trusting = await startApi(db.pool, gateway, { authProxy: { header: 'x-forwarded-email', from: ['127.0.0.1'] } });
    const distrusting = await startApi(db.pool, gateway, { authProxy: { header: 'x-forwarded-email', from: ['10.1.2.3'] } });
    try {
      const asAda = await fetch(`${trusting.base}/dashboard/tasks`, { headers: { 'x-forwarded-email': 'Ada@Example.com' }, redirect: 'manual' });
      expect(asAda.status).toBe(200);
      expect(await asAda.text()).toContain('ada@example.com · csm');
      const stranger = await fetch(`${trusting.base}/tasks`, { headers: { 'x-forwarded-email': 'eve@example.com' } });
      expect(stranger.status).toBe(403);
      const untrusted = await fetch(`${distrusting.base}/tasks`, { headers: { 'x-forwarded-email': 'max@example.com' } });
      expect(untrusted.status).toBe(401);
      // A proxy-signed-in browser's post needs the CSRF token too.
      const id = await task('acme', 'ada@example.com');
      const post = await fetch(`${trusting.base}/tasks/${id}/close`, { method: 'POST', headers: { 'x-forwarded-email': 'ada@example.com', 'content-type': 'application/json' }, body: '{}' });
      expect(post.status).toBe(403);
      expect(await taskState(id)).toMatchObject({ status: 'open' });
    } finally {
      await trusting.close();
      await distrusting.close();
    }
  });
});
