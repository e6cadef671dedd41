/**
 * CSV formula injection (issue 15): every cell a spreadsheet would read as a
 * formula is neutralised, in the field writer and in every dashboard export
 * over real HTTP and real Postgres; plain numbers stay numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, neutraliseFormula, parseCsv } from '../../client/api/csv.ts';
import type { JourneyReport } from '../../workflows/engine/types.ts';
import { writeJourneyProgress } from '../../store/journey-progress.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deploy, enrolment } from '../api/support/playbook.ts';
import { journeyOf, recordingGateway } from '../api/support/recording-gateway.ts';
import { startApi, type RunningApi } from '../api/support/server.ts';

/** Texts each spreadsheet (Excel, LibreOffice, Sheets) runs as a formula when a cell starts with them. */
const FORMULAS = [
  "-1+cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', '+1+1', '@SUM(1)', '-2-3', '\t=1', '\r=1', '\n=1', ' =1+1', '-', '+',
];

/** A cell a spreadsheet would run: after CSV parsing, it starts with a formula character. */
const runsAsFormula = (cell: string) => /^[\t\r\n]|^[\s\u0000-\u001f]*[=+\-@]/.test(cell) && !/^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(cell);

describe('csvField', () => {
  it.each(FORMULAS)('neutralises %j with a leading apostrophe', (text) => {
    const cell = parseCsv(`${csvField(text)}\r\n`)[0]!.cells[0]!;
    expect(cell).toBe(`'${text}`);
    expect(neutraliseFormula(text)).toBe(`'${text}`);
  });

  it.each([[-12, '-12'], [3.5, '3.5'], [0, '0'], ['-12', '-12'], ['-0.25', '-0.25'], ['1e-3', '1e-3'], ['-1E+5', '-1E+5'], [-1e-7, '-1e-7']])(
    'keeps the number %j as %j', (value, written) => {
      expect(csvField(value)).toBe(written);
    });

  it('leaves ordinary text alone and quotes what RFC 4180 needs', () => {
    expect(csvField('ada@example.com')).toBe('ada@example.com');
    expect(csvField('a, "b"')).toBe('"a, ""b"""');
    expect(csvField(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('dashboard exports', () => {
  const CSM = "-1+cmd|' /C calc'!A0";
  const now = Date.parse('2026-12-01T00:00:00Z');
  let db: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    await deploy(db.pool);
    const gateway = recordingGateway();
    // A report with a milestone and a raised risk, so the portfolio and risk tables have rows.
    gateway.report = async (journeyId, until): Promise<JourneyReport> => {
      const { playbook, customerId } = journeyOf(journeyId);
      return {
        playbook, customer: customerId, until: new Date(until ?? now).toISOString(), outcome: 'running',
        milestones: [{ id: 'activation', instance: null, state: 'open', opens_at: '2026-01-31T00:00:00.000Z', due_at: '2026-02-28T00:00:00.000Z', completed_at: null }],
        actions: [],
        risks: [{ id: '=risk()', raised_at: '2026-02-01T00:00:00.000Z', cleared_at: null }],
      } as unknown as JourneyReport;
    };
    api = await startApi(db.pool, gateway, { clock: () => now });
    for (const id of ['acme', '@evil']) {
      const enrolled = await api.call('/customers', { body: enrolment(id, { customer: { id, name: '=1+1', tier: 'growth', arr: -5, csm: CSM, signed_on: '2026-01-15' } }) });
      expect(enrolled.status).toBe(201);
      expect((await api.call(`/customers/${encodeURIComponent(id)}/journeys/onboarding`)).status).toBe(200);
      // The read model as the journey's recordInstant writes it.
      await writeJourneyProgress(db.pool, `journey:onboarding:${id}`, { at: now, report: await gateway.report(`journey:onboarding:${id}`, now), health: null, nextWakeAt: null });
      await db.pool.query(
        `INSERT INTO tasks (idem_key, task_id, journey_id, customer_id, playbook, source, title, assignee_role, assignee, priority, due_at, fired_at)
         VALUES ($1, $1, $2, $3, 'onboarding', '+source', '=HYPERLINK("http://x")', 'csm', $4, 'high', now(), now())`,
        [`task-${id}`, `journey:onboarding:${id}`, id, CSM]);
    }
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const exported = async (path: string) => {
    const response = await api.call(path);
    expect(response.status, `${path}: ${response.text}`).toBe(200);
    return parseCsv(response.text).map((row) => row.cells);
  };

  it.each(['renewals', 'risks', 'portfolio', 'tasks', 'milestones', 'by-csm', 'by-cohort', 'outbox'])(
    '/dashboard/export/%s.csv has no cell a spreadsheet would run', async (table) => {
      const rows = await exported(`/dashboard/export/${table}.csv`);
      const cells = rows.flat();
      expect(cells.filter(runsAsFormula)).toEqual([]);
      if (['renewals', 'risks', 'portfolio', 'by-csm'].includes(table)) expect(cells).toContain(`'${CSM}`);
      if (table === 'tasks') expect(cells).toContain(`'=HYPERLINK("http://x")`);
    });

  it.each(['tasks', 'milestones', 'risks', 'actions', 'outbox', 'ledger'])('the per-customer %s export has no cell a spreadsheet would run', async (table) => {
    const response = await api.call(`/dashboard/customers/${encodeURIComponent('@evil')}/export/${table}.csv?playbook=onboarding`);
    expect(response.status, response.text).toBe(200);
    const cells = parseCsv(response.text).flatMap((row) => row.cells);
    expect(cells.filter(runsAsFormula)).toEqual([]);
  });

  it('keeps numbers numbers in the exports (arr, days left)', async () => {
    const rows = await exported('/dashboard/export/renewals.csv');
    const arr = rows[0]!.indexOf('arr');
    expect(rows.slice(1).map((r) => r[arr])).toEqual(['-5', '-5']);
  });
});
