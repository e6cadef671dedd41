/**
 * The OpenAPI document tells the truth (issue 15): generated from the
 * routes' own zod schemas, it describes exactly the API routes the server
 * registered (no more, no fewer), each with an operationId, its answers and
 * errors; `limit` is bounded; it is served without a token; and Redocly's
 * recommended rules find 0 errors and 0 warnings in it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, isHtmlRoute, openApiDocument, openApiPath } from '../../client/api/openapi.ts';
import { registeredRoutes } from '../../client/api/route-catalogue.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { recordingGateway } from '../api/support/recording-gateway.ts';
import { startApi, type RunningApi } from '../api/support/server.ts';

const REDOCLY = new URL('../../node_modules/.bin/redocly', import.meta.url).pathname;

let db: TestDatabase;
let api: RunningApi;
let served: any;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startApi(db.pool, recordingGateway());
  const response = await fetch(`${api.base}/openapi.json`); // no token
  expect(response.status).toBe(200);
  served = await response.json();
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

type Operation = { operationId: string; parameters?: Array<{ name: string; in: string; schema: Record<string, unknown> }>; responses: Record<string, unknown>; requestBody?: unknown; security?: unknown[] };
const operations = (doc: any): Array<[string, string, Operation]> =>
  Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [method.toUpperCase(), path, op] as [string, string, Operation]));

describe('the document and the routes', () => {
  it('describes every API route the server registered, and no other', () => {
    const registered = registeredRoutes(api.app).filter((r) => r.method !== 'HEAD' && !isHtmlRoute(r.url)).map((r) => `${r.method} ${openApiPath(r.url)}`).sort();
    const described = operations(served).map(([method, path]) => `${method} ${path}`).sort();
    expect(described).toEqual(registered);
    expect(registered.length).toBeGreaterThanOrEqual(API_ROUTES.length);
  });

  it('is what openApiDocument builds, with the address it was asked at as its server', () => {
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument(api.base))));
    expect(served.servers).toEqual([expect.objectContaining({ url: api.base })]);
  });

  it('gives every operation a unique operationId, a success, a 4xx, and its errors', () => {
    const ids = operations(served).map(([, , op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [method, path, op] of operations(served)) {
      const statuses = Object.keys(op.responses);
      expect(statuses.some((s) => s.startsWith('2')), `${method} ${path}`).toBe(true);
      expect(statuses, `${method} ${path}`).toContain('400');
      if (op.security === undefined) expect(statuses, `${method} ${path}`).toContain('401');
      if (op.requestBody !== undefined) expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['413', '415']));
      if (path.includes('{')) expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['404', '414']));
      for (const [status, answer] of Object.entries(op.responses) as Array<[string, any]>) {
        const schema = answer.content['application/json'].schema;
        if (status >= '400' && status !== '503') expect(schema, `${method} ${path} ${status}`).toEqual({ $ref: '#/components/schemas/ErrorList' });
        expect(schema.$ref ?? schema.type, `${method} ${path} ${status}`).toBeDefined();
      }
    }
  });

  it('describes error items, not `{}`, and 200 bodies, not just `{"type": "object"}`', () => {
    const errorList = served.components.schemas.ErrorList;
    expect(errorList.properties.errors.items).not.toEqual({});
    for (const [, , op] of operations(served)) {
      const ok = Object.entries(op.responses).find(([s]) => s.startsWith('2'))![1] as any;
      const ref = ok.content['application/json'].schema.$ref as string;
      const schema = served.components.schemas[ref.split('/').pop()!];
      expect(schema.properties ?? schema.anyOf ?? schema.oneOf, ref).toBeDefined();
    }
  });

  it('bounds limit (1-1000) and offset on every list route', () => {
    for (const [, path, op] of operations(served).filter(([, p]) => ['/journeys', '/milestones', '/figures', '/figures/health', '/tasks', '/outbox', '/ledger'].includes(p))) {
      const limit = op.parameters!.find((p) => p.name === 'limit')!;
      expect(limit.schema, path).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
      expect(op.parameters!.find((p) => p.name === 'offset')!.schema, path).toMatchObject({ type: 'integer', minimum: 0 });
    }
  });

  it('takes request bodies from the schemas the routes validate with (bounds included)', () => {
    const event = served.components.schemas.Event;
    expect(event.required).toEqual(['id', 'customer', 'type', 'at']);
    expect(event.additionalProperties).toBe(false);
    expect(event.properties.customer).toMatchObject({ minLength: 1, maxLength: 200 });
    expect(served.components.schemas.EventBatch.properties.events).toMatchObject({ minItems: 1, maxItems: 1000 });
  });
});

describe('Redocly lint (recommended rules)', () => {
  it('finds 0 errors and 0 warnings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'milepost-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(served, null, 2));
      const { stdout, stderr } = await promisify(execFile)(REDOCLY, ['lint', file, '--format=json'], { cwd: dir })
        .catch((err: { stdout: string; stderr: string }) => err);
      expect(stdout, `redocly printed no report (is @redocly/cli installed?): ${stderr}`).not.toBe('');
      const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string }> };
      expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
