/**
 * The dashboard in headless Chromium (Debian's `chromium`, driven by
 * playwright-core) over real journeys on a Temporal dev server and real
 * Postgres: the figures on the page must match the database, the portfolio
 * grid must show each journey's states, the customer page must explain them,
 * and a screenshot is kept in tests/artifacts/.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPortfolio } from '../../client/read-model/portfolio.ts';
import { addUser } from '../../store/users.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { enrolClinic, iso } from '../api/support/clinics.ts';
import { startApi, type RunningApi } from '../api/support/server.ts';
import { deployPlaybookFile, startTemporalJourneys, type TemporalJourneys } from '../api/support/temporal-journeys.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const now = Date.now();

let db: TestDatabase;
let temporal: TemporalJourneys;
let api: RunningApi;
let browser: Browser;
let page: Page;

const skipReason = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install -y chromium)`;

/** Polls `check` until it holds or `ms` pass. */
async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(skipReason !== null)(`dashboard in Chromium${skipReason === null ? '' : ` (skipped: ${skipReason})`}`, () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    await deployPlaybookFile(db.pool, 'playbooks/clinic-first-year.yaml');
    temporal = await startTemporalJourneys(db.pool);
    api = await startApi(db.pool, temporal.gateway);
    const clinics: Array<[string, string, number, { csm?: string; arr?: number; lengthDays?: number }]> = [
      ['alpha', 'growth', -10, {}],
      ['bravo', 'growth', -45, {}],
      ['charlie', 'vip', -45, { csm: 'bo@example.com', arr: 30_000 }],
      ['delta', 'stable', -20, { csm: 'bo@example.com' }],
      ['echo', 'growth', -300, { arr: 50_000 }],
      ['foxtrot', 'growth', -70, { csm: 'bo@example.com' }],
    ];
    for (const [id, tier, offset, options] of clinics) expect((await enrolClinic(api, now, id, tier, offset, options)).status).toBe(201);
    const events = [
      { id: 'a-act', customer: 'alpha', type: 'activated', at: iso(now) },
      { id: 'b-act', customer: 'bravo', type: 'activated', at: iso(now) },
      { id: 'e-act', customer: 'echo', type: 'activated', at: iso(now) },
      { id: 'f-act', customer: 'foxtrot', type: 'activated', at: iso(now) },
      { id: 'f-biz', customer: 'foxtrot', type: 'business_change', at: iso(now), data: { kind: 'merger' } },
    ];
    expect((await api.call('/events', { body: { events } })).status).toBe(202);
    // Wait until every journey has taken its events in and written its progress to the read model.
    await waitFor(async () => {
      const stored = new Map((await loadPortfolio(db.pool)).map((j) => [j.customerId, j.report]));
      const reports = ['alpha', 'bravo', 'echo', 'foxtrot'].map((id) => stored.get(id));
      return stored.size === 6 && [...stored.values()].every((r) => r !== null)
        && reports.every((r) => r?.milestones.find((m) => m.id === 'activation')?.completed_at !== null) && reports[3]!.risks.some((r) => r.id === 'business_change');
    }, 30_000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Signed out, the dashboard sends the browser to the sign-in page; a manager's personal token signs in.
    const { token } = await addUser(db.pool, { email: 'max@example.com', role: 'manager' });
    await page.goto(`${api.base}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.fill('#token', token);
    await page.click('form.sign-in button[type=submit]');
    await page.waitForURL(`${api.base}/dashboard`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await temporal?.stop();
    await db?.drop();
  });

  /** Counts of the activation milestone's states, straight from the reports the journeys stored (journey_progress). */
  async function activationCountsFromDb(): Promise<Record<string, number>> {
    const { rows } = await db.pool.query<{ state: string; n: number }>(
      `SELECT m ->> 'state' AS state, count(*)::int AS n
         FROM journeys j JOIN journey_progress p ON p.workflow_id = j.workflow_id, jsonb_array_elements(p.report -> 'milestones') AS m
        WHERE m ->> 'id' = 'activation' GROUP BY 1`);
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  it('shows the overview figures the database holds', async () => {
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar
    const counts = await activationCountsFromDb();
    const cardValue = async (id: string) => (await page.locator(`#card-${id} .value`).textContent())?.trim();
    expect(await cardValue('journeys')).toBe(String((await db.pool.query('SELECT count(*)::int AS n FROM journeys')).rows[0].n));
    const eligible = Object.entries(counts).filter(([s]) => s !== 'skipped').reduce((a, [, n]) => a + n, 0);
    const activated = (counts.done ?? 0) + (counts.late ?? 0);
    expect(await cardValue('activation')).toBe(`${((activated / eligible) * 100).toFixed(1)}%`);
    // The milestones table's activation row carries the same counts.
    const row = page.locator('#milestones tbody tr', { hasText: 'activation' });
    const cells = await row.locator('td').allTextContents();
    const header = await page.locator('#milestones thead th').allTextContents();
    const cell = (name: string) => Number(cells[header.indexOf(name)]);
    expect(cell('on time')).toBe(counts.done ?? 0);
    expect(cell('late')).toBe(counts.late ?? 0);
    expect(cell('overdue now')).toBe(counts.overdue ?? 0);
    expect(cell('skipped')).toBe(counts.skipped ?? 0);
    // Raised risks (foxtrot's business change among them): one row per raise still standing.
    const { rows: raised } = await db.pool.query(
      `SELECT customer_id || '/' || (r ->> 'id') AS raise FROM journeys j JOIN journey_progress p ON p.workflow_id = j.workflow_id, jsonb_array_elements(p.report -> 'risks') AS r WHERE r ->> 'cleared_at' IS NULL`);
    const shown = await page.locator('#risks tbody tr').evaluateAll((trs) => trs.map((tr) => `${tr.children[0]?.textContent}/${tr.children[3]?.querySelector('.muted')?.textContent}`));
    expect(shown.sort()).toEqual(raised.map((r) => r.raise).sort());
    expect(shown).toContain('foxtrot/business_change');
    expect(await cardValue('renewals-due')).toBe('1'); // echo ends in 65 days
    await expect.poll(() => page.locator('#milestone-chart rect').count()).toBeGreaterThan(0);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('dashboard-overview.png', ARTIFACTS).pathname, fullPage: true });
  });

  it('colours the portfolio grid by each journey\'s states', async () => {
    await page.click('header >> text=Portfolio');
    await page.waitForSelector('#grid-clinic-first-year');
    const { rows } = await db.pool.query<{ customer_id: string; state: string }>(
      `SELECT customer_id, m ->> 'state' AS state FROM journeys j JOIN journey_progress p ON p.workflow_id = j.workflow_id, jsonb_array_elements(p.report -> 'milestones') AS m WHERE m ->> 'id' = 'activation'`);
    for (const { customer_id, state } of rows) {
      const columns = await page.locator('#grid-clinic-first-year thead th').allTextContents();
      const cell = page.locator(`#grid-clinic-first-year tr[data-customer="${customer_id}"] td`).nth(columns.indexOf('activation'));
      expect(await cell.getAttribute('data-state'), customer_id).toBe(state);
    }
    await page.screenshot({ path: new URL('dashboard-portfolio.png', ARTIFACTS).pathname, fullPage: true });
  });

  it('explains a customer\'s states on the customer page', async () => {
    await page.click('#grid-clinic-first-year a:text-is("bravo")');
    await page.waitForSelector('#timeline-clinic-first-year');
    const row = page.locator('#milestones-clinic-first-year tbody tr', { hasText: 'Customer activated' });
    expect(await row.locator('.state').textContent()).toBe('late');
    expect(await row.locator('.why').textContent()).toContain('happened(activated)');
    await page.screenshot({ path: new URL('dashboard-customer.png', ARTIFACTS).pathname, fullPage: true });
  });
});
