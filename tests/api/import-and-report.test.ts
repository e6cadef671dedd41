/**
 * Customer import from CSV (API route and `milepost import`) and
 * `milepost report`, over loopback against real Postgres.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../client/cli/main.ts';
import { writeJourneyProgress } from '../../store/journey-progress.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy } from './support/playbook.ts';
import { recordingGateway, type RecordingGateway } from './support/recording-gateway.ts';
import { TOKEN, rowCounts, startApi, type RunningApi } from './support/server.ts';

let db: TestDatabase;
let api: RunningApi;
let gateway: RecordingGateway;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await deploy(db.pool);
  gateway = recordingGateway();
  api = await startApi(db.pool, gateway);
  dir = await mkdtemp(join(tmpdir(), 'milepost-import-'));
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const HEADER = 'id,contract_start,contract_end,name,tier,arr,csm,signed_on';
const row = (id: string, overrides: Partial<Record<'tier' | 'arr' | 'name' | 'end', string>> = {}) =>
  `${id},2026-01-31,${overrides.end ?? '2027-01-31'},${overrides.name ?? `"Clinic ${id}, Ltd"`},${overrides.tier ?? 'growth'},${overrides.arr ?? '12000'},ada@example.com,2026-01-10`;

async function cli(args: string[], env: Record<string, string> = {}) {
  let out = '', err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, done) { append(String(chunk)); done(); } });
  const code = await main(args, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), cwd: dir, env: { ...env } });
  return { code, out, err };
}

describe('POST /customers/import', () => {
  it('refuses a file with any bad row, naming each line, and enrols nobody', async () => {
    const before = await rowCounts(db.pool);
    const csv = [HEADER, row('i1'), row('i2', { tier: 'gold' }), row('i3', { arr: 'lots' }), row('i4', { end: '2025-01-01' }), row('i1')].join('\n');
    const response = await api.call('/customers/import?playbook=onboarding', { raw: csv, headers: { 'content-type': 'text/csv' } });
    expect(response.status).toBe(400);
    expect(response.json.errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 5, 6]);
    expect(response.json.errors[0].error).toMatch(/tier/);
    expect(response.json.errors[1].error).toMatch(/arr/);
    expect(response.json.errors[2].error).toMatch(/after contract.start/);
    expect(response.json.errors[3].error).toMatch(/already appears on line 2/);
    expect(await rowCounts(db.pool)).toEqual(before);
  });

  it('refuses a column the playbook does not declare', async () => {
    const response = await api.call('/customers/import?playbook=onboarding', { raw: `${HEADER},shoe_size\n${row('i9')},42`, headers: { 'content-type': 'text/csv' } });
    expect(response.status).toBe(400);
    expect(response.json.errors[0].error).toMatch(/shoe_size/);
  });

  it('enrols every row of a valid file, typed by the declarations, idempotently', async () => {
    const csv = [HEADER, row('ok1'), row('ok2', { name: '"O\'Brien ""Vet"", Clinic"' })].join('\r\n');
    const first = await api.call('/customers/import?playbook=onboarding', { raw: csv, headers: { 'content-type': 'text/csv' } });
    expect(first.json).toEqual({ enrolled: 2, already_enrolled: 0 });
    const again = await api.call('/customers/import?playbook=onboarding', { raw: csv, headers: { 'content-type': 'text/csv' } });
    expect(again.json).toEqual({ enrolled: 0, already_enrolled: 2 });
    const { rows } = await db.pool.query(`SELECT attrs FROM customers WHERE id = 'ok2'`);
    expect(rows[0].attrs).toMatchObject({ name: 'O\'Brien "Vet", Clinic', arr: 12000, tier: 'growth' });
  });
});

describe('milepost import', () => {
  it('reports bad rows by the file\'s own line numbers, exit 1, nobody enrolled', async () => {
    await writeFile(join(dir, 'bad.csv'), [HEADER, row('c1'), row('c2', { arr: 'x' })].join('\n'));
    const before = await rowCounts(db.pool);
    const result = await cli(['import', 'bad.csv', '--playbook', 'onboarding', '--api', api.base], { MILEPOST_API_TOKEN: TOKEN });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/bad\.csv:3: error: c2: .*arr/);
    expect(await rowCounts(db.pool)).toEqual(before);
  });

  it('enrols a file larger than one request in chunks, showing progress', async () => {
    const lines = [HEADER, ...Array.from({ length: 600 }, (_, i) => row(`bulk-${i}`))];
    await writeFile(join(dir, 'bulk.csv'), lines.join('\n'));
    const result = await cli(['import', 'bulk.csv', '--playbook', 'onboarding', '--api', api.base], { MILEPOST_API_TOKEN: TOKEN });
    expect(result.err).toContain('enrolled 600/600');
    expect(result.out).toContain('600 enrolled, 0 already enrolled');
    expect(result.code).toBe(0);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM journeys WHERE customer_id LIKE 'bulk-%'`);
    expect(rows[0].n).toBe(600);
  });

  it('exits 2 with a clear line when the token is refused', async () => {
    await writeFile(join(dir, 'one.csv'), [HEADER, row('z1')].join('\n'));
    const result = await cli(['import', 'one.csv', '--playbook', 'onboarding', '--api', api.base], { MILEPOST_API_TOKEN: 'wrong' });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/refused the token/);
  });
});

describe('milepost report', () => {
  it('prints the figures of the stored journeys, as JSON and as text', async () => {
    // Two reported journeys: one activated on time, one overdue.
    const report = (customer: string, state: string, completed: string | null) => ({
      playbook: 'onboarding', customer, until: '2026-03-15T00:00:00.000Z', outcome: 'running' as const, actions: [], risks: [],
      milestones: [{ id: 'activation', state: state as 'done', opens_at: '2026-01-31T00:00:00.000Z', due_at: '2026-02-28T00:00:00.000Z', completed_at: completed }],
    });
    // As the journeys' own recordInstant writes them: ok2 processed its due (overdue), wakes next at the term's end.
    const at = Date.parse('2026-03-01T00:00:00.000Z');
    await writeJourneyProgress(db.pool, 'journey:onboarding:ok1', { at, report: report('ok1', 'done', '2026-02-10T00:00:00.000Z'), health: null, nextWakeAt: null });
    await writeJourneyProgress(db.pool, 'journey:onboarding:ok2', { at, report: report('ok2', 'overdue', null), health: null, nextWakeAt: Date.parse('2027-01-31T00:00:00.000Z') });
    const env = { DATABASE_URL: db.url };
    const json = await cli(['report', '--json', '--as-of', '2026-03-15'], env);
    expect(json.code).toBe(0);
    const figures = JSON.parse(json.out);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM journeys`);
    expect(figures.journeys).toBe(rows[0].n);
    expect(figures.unreported).toBe(rows[0].n - 2);
    expect(figures.milestones[0]).toMatchObject({ milestone: 'activation', done: 1, overdue: 1, due: 2, onTimeRate: 0.5 });
    const text = await cli(['report', '--as-of', '2026-03-15'], env);
    expect(text.out).toContain('activation rate 50.0% (1 of 2; on time 50.0%)');
    expect(text.out).toMatch(/onboarding\s+activation\s+1\s+0\s+0\s+1/);
    expect((await cli(['report', '--as-of', 'soon'], env)).code).toBe(2);
  });
});
