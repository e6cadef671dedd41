/**
 * Customer ids (issue 15): every `/customers/:id/...` and dashboard customer
 * route takes any id enrolment takes (200 characters, any text Postgres can
 * store), per-customer CSV downloads name their file by RFC 6266/5987 for
 * ids outside Latin-1 or with CR/LF or `"`, and every error — the router's
 * and Fastify's own included — is the documented `{"errors": [...]}`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PARAM_LENGTH } from '../../client/api/error-handling.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, enrolment } from '../api/support/playbook.ts';
import { recordingGateway } from '../api/support/recording-gateway.ts';
import { startApi, type RunningApi } from '../api/support/server.ts';

let db: TestDatabase;
let api: RunningApi;

const LONG = 'c'.repeat(192) + '-é客户😀-x'; // 200 UTF-16 code units, outside Latin-1
const IDS = [LONG, 'ünïcødé 客户', 'line\r\nbreak', 'say "hi"', 'back\\slash;semi,comma', "it's (50%)*", 'a/b?c#d'];

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool);
  api = await startApi(db.pool, recordingGateway());
  expect(LONG.length).toBe(200);
  for (const id of IDS) {
    const enrolled = await api.call('/customers', { body: enrolment(id) });
    expect(enrolled.status, `${JSON.stringify(id)}: ${enrolled.text}`).toBe(201);
  }
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const isErrorList = (json: any) => typeof json === 'object' && json !== null && Array.isArray(json.errors) && json.errors.length > 0;

describe('every customer route takes every id enrolment takes', () => {
  it.each(IDS)('%j: report, dashboard page and every export answer 200', async (id) => {
    const path = encodeURIComponent(id);
    const report = await api.call(`/customers/${path}/journeys/onboarding`);
    expect(report.status, report.text).toBe(200);
    expect(report.json.customer).toBe(id);
    const page = await api.call(`/dashboard/customers/${path}`);
    expect(page.status, page.text.slice(0, 300)).toBe(200);
    for (const table of ['milestones', 'risks', 'actions', 'tasks', 'outbox', 'ledger']) {
      const response = await fetch(`${api.base}/dashboard/customers/${path}/export/${table}.csv?playbook=onboarding`, { headers: { authorization: 'Bearer test-token-0123456789' } });
      expect(response.status, `${table}: ${await response.clone().text()}`).toBe(200);
      const disposition = response.headers.get('content-disposition')!;
      // RFC 6266: an ASCII fallback without quotes or controls inside, and the exact name in filename*.
      const match = /^attachment; filename="([\x20-\x21\x23-\x5b\x5d-\x7e]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]+)$/.exec(disposition);
      expect(match, disposition).not.toBeNull();
      expect(decodeURIComponent(match![2]!)).toBe(`${id}-onboarding-${table}.csv`);
    }
  });

  it('an id longer than enrolment takes (but within the router limit) is simply not enrolled: 404 in the errors shape', async () => {
    const response = await api.call(`/customers/${'d'.repeat(201)}/journeys/onboarding`);
    expect(response.status).toBe(404);
    expect(isErrorList(response.json)).toBe(true);
  });
});

describe('one error shape', () => {
  it(`a path segment over ${MAX_PARAM_LENGTH} characters: 414 with the errors list`, async () => {
    const response = await api.call(`/customers/${'e'.repeat(MAX_PARAM_LENGTH + 1)}/journeys/onboarding`);
    expect(response.status).toBe(414);
    expect(isErrorList(response.json)).toBe(true);
    expect(response.json.errors[0].error).toMatch(/longer than/);
  });

  it('an unknown route: 404 with the errors list', async () => {
    const response = await api.call('/no/such/route');
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ errors: [{ error: 'no route GET /no/such/route' }] });
  });

  it.each(['DELETE', 'PUT', 'PATCH', 'QUERY'])('%s on a known path: 405 with Allow and the errors list (not 404, not a parser 400)', async (method) => {
    const response = await fetch(`${api.base}/tasks`, { method, headers: { authorization: 'Bearer test-token-0123456789' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(isErrorList(await response.json())).toBe(true);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])('a %s body: 415 with the errors list (docs/api.md)', async (type) => {
    for (const path of ['/events', '/customers', '/customers/import?playbook=onboarding']) {
      const response = await api.call(path, { raw: '{"id": "x"}', headers: { 'content-type': type } });
      expect(response.status, `${path}: ${response.text}`).toBe(415);
      expect(isErrorList(response.json)).toBe(true);
      expect(response.json.errors[0].error).toMatch(/unsupported content type/);
    }
  });

  it('a body over 1 MiB: 413 with the errors list', async () => {
    const response = await api.call('/events', { raw: JSON.stringify({ events: ['x'.repeat(1024 * 1024)] }) });
    expect(response.status).toBe(413);
    expect(response.json.errors[0].error).toMatch(/larger than 1048576 bytes/);
  });

  it('malformed JSON, an empty JSON body, a bad Content-Length: 400 with the errors list', async () => {
    for (const raw of ['{"id": ', '  ']) {
      const response = await api.call('/events', { raw });
      expect(response.status).toBe(400);
      expect(isErrorList(response.json)).toBe(true);
    }
  });

  it('a wrong token: 401 with the errors list', async () => {
    const response = await api.call('/journeys', { headers: { authorization: 'Bearer nope' } });
    expect(response.status).toBe(401);
    expect(isErrorList(response.json)).toBe(true);
  });
});
