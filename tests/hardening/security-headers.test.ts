/**
 * Security headers on every response (issue 15), API and dashboard, success
 * and error alike; no inline script on a dashboard page; and the browser
 * sign-in (`?token=`, its cookie) only on dashboard pages, never on an API
 * route. Real HTTP, real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, enrolment } from '../api/support/playbook.ts';
import { recordingGateway } from '../api/support/recording-gateway.ts';
import { TOKEN, startApi, type RunningApi } from '../api/support/server.ts';

let db: TestDatabase;
let api: RunningApi;

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool);
  api = await startApi(db.pool, recordingGateway());
  expect((await api.call('/customers', { body: enrolment('acme') })).status).toBe(201);
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const bearer = { authorization: `Bearer ${TOKEN}` };
const get = (path: string, headers: Record<string, string> = bearer, method = 'GET', body?: string) =>
  fetch(api.base + path, { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, body, redirect: 'manual' });

/** The CSP directives, by name. */
const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));

describe('security headers', () => {
  const responses: Array<[string, () => Promise<Response>, number]> = [
    ['GET /health', () => get('/health', {}), 200],
    ['GET /journeys', () => get('/journeys'), 200],
    ['GET /journeys without a token', () => get('/journeys', {}), 401],
    ['GET /openapi.json', () => get('/openapi.json', {}), 200],
    ['GET /dashboard', () => get('/dashboard'), 200],
    ['GET /dashboard/customers/acme', () => get('/dashboard/customers/acme'), 200],
    ['GET /dashboard/export/renewals.csv', () => get('/dashboard/export/renewals.csv'), 200],
    ['GET /nowhere (404)', () => get('/nowhere'), 404],
    ['GET a 414 path', () => get(`/customers/${'x'.repeat(5000)}/journeys/onboarding`), 414],
    ['GET a malformed URL', () => get('/customers/%FF/journeys/onboarding'), 400],
    ['POST /events with a bad body', () => get('/events', bearer, 'POST', '{'), 400],
  ];
  it.each(responses)('%s carries every header', async (_name, send, status) => {
    const response = await send();
    expect(response.status).toBe(status);
    const csp = response.headers.get('content-security-policy');
    expect(csp).not.toBeNull();
    const policy = directives(csp!);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    // No script at all: neither script-src (so default-src 'none' applies) nor anything inline for scripts.
    expect(policy.has('script-src')).toBe(false);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it.each(['/dashboard', '/dashboard/portfolio', '/dashboard/tasks', '/dashboard/outbox', '/dashboard/customers/acme'])(
    '%s has no inline script or event-handler attribute (the CSP would block it)', async (path) => {
      const html = await (await get(path)).text();
      expect(html).toMatch(/<html/);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html).not.toMatch(/javascript:/i);
    });
});

describe('the browser sign-in is the dashboard\'s only', () => {
  it.each(['/journeys', '/tasks', '/ledger', '/outbox', '/milestones', '/figures', '/customers/acme/journeys/onboarding'])(
    'GET %s?token=<token> without a header: 401, no cookie, no redirect', async (path) => {
      const response = await get(`${path}${path.includes('?') ? '&' : '?'}token=${TOKEN}`, {});
      expect(response.status).toBe(401);
      expect(response.headers.get('set-cookie')).toBeNull();
    });

  it('the dashboard cookie opens no API route', async () => {
    const response = await get('/journeys', { cookie: `milepost_token=${TOKEN}` });
    expect(response.status).toBe(401);
  });

  it('/openapi.json needs no token', async () => {
    const response = await get('/openapi.json', {});
    expect(response.status).toBe(200);
    expect(((await response.json()) as { openapi: string }).openapi).toMatch(/^3\.1/);
  });
});
