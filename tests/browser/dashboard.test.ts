/**
 * The dashboard in headless Chromium (Debian's `chromium`, driven by
 * playwright-core) over real journeys on a Temporal dev server and real
 * Postgres: the figures on the page must match the database, the portfolio
 * grid must show each journey's states, the customer page must explain them,
 * a manager sees the team and the forecast, a CSM closes a task and completes
 * a milestone from their page and is refused what the role forbids; every
 * page's screenshot is written (see SCREENSHOTS).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPortfolio } from '../../client/read-model/portfolio.ts';
import { journeyWorkflowId } from '../../client/temporal/journey-id.ts';
import { addUser } from '../../store/users.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { enrolClinic, iso } from '../api/support/clinics.ts';
import { startApi, type RunningApi } from '../api/support/server.ts';
import { readFile } from 'node:fs/promises';
import { compilePlaybook } from '../../dsl/index.ts';
import { insertPlaybookVersion } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';
import { startTemporalJourneys, type TemporalJourneys } from '../api/support/temporal-journeys.ts';

const CHROMIUM = '/usr/bin/chromium';
/**
 * Where the screenshots go: tests/artifacts/ (ignored) unless
 * MILEPOST_SCREENSHOTS=docs, which refreshes the committed ones in
 * docs/screenshots/ that the closing note links to (keep them small).
 */
const SCREENSHOTS = new URL(process.env.MILEPOST_SCREENSHOTS === 'docs' ? '../../docs/screenshots/' : '../artifacts/screenshots/', import.meta.url);
const tokens: Record<string, string> = {};
const now = Date.now();

let db: TestDatabase;
let temporal: TemporalJourneys;
let api: RunningApi;
let browser: Browser;
let page: Page;

const skipReason = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install -y chromium)`;

/**
 * Deploys a playbook as language version 2 (tasks that people close, SPEC
 * §5.2): the compiler on main may still write version 1, whose journeys keep
 * no tasks for a close to reach.
 */
async function deployV2(pool: Pool, file: string) {
  const source = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
  const { ir, diagnostics } = compilePlaybook(source, file);
  if (ir === undefined) throw new Error(`${file} does not compile: ${diagnostics.map((d) => d.message).join('; ')}`);
  const v2 = { ...ir, language: 2 as const };
  await insertPlaybookVersion(pool, { source, ir: v2, deployedBy: 'test' });
  return v2;
}

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
    await deployV2(db.pool, 'playbooks/clinic-first-year.yaml');
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
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Signed out, the dashboard sends the browser to the sign-in page; a manager's personal token signs in.
    for (const [email, role] of [['max@example.com', 'manager'], ['bo@example.com', 'csm'], ['ada@example.com', 'csm']] as const) {
      tokens[email] = (await addUser(db.pool, { email, role })).token;
    }
    await page.goto(`${api.base}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: new URL('sign-in.png', SCREENSHOTS).pathname });
    await page.fill('#token', tokens['max@example.com']!);
    await page.click('form.sign-in button[type=submit]');
    // A manager's front page is the team's; the overview is one link away.
    await page.waitForURL(`${api.base}/dashboard/team`);
    await page.goto(`${api.base}/dashboard`);
    await mkdir(SCREENSHOTS, { recursive: true });
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
    await page.screenshot({ path: new URL('overview.png', SCREENSHOTS).pathname }); // the first screen: a full page is half a megabyte
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
    await page.screenshot({ path: new URL('portfolio.png', SCREENSHOTS).pathname, fullPage: true });
  });

  it('explains a customer\'s states on the customer page', async () => {
    await page.click('#grid-clinic-first-year a:text-is("bravo")');
    await page.waitForSelector('#timeline-clinic-first-year');
    const row = page.locator('#milestones-clinic-first-year tbody tr', { hasText: 'Customer activated' });
    expect(await row.locator('.state').textContent()).toBe('late');
    expect(await row.locator('.why').textContent()).toContain('happened(activated)');
    await page.screenshot({ path: new URL('customer.png', SCREENSHOTS).pathname });
  });
  it('gives the manager one row per CSM, and every figure drills down to its customers', async () => {
    await page.goto(`${api.base}/dashboard/team`);
    const csms = await page.locator('#team tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-csm')));
    expect(csms.sort()).toEqual(['ada@example.com', 'bo@example.com']);
    const book = page.locator('#team tr[data-csm="bo@example.com"] td').nth(1);
    expect(await book.textContent()).toBe('3'); // charlie, delta, foxtrot
    await page.screenshot({ path: new URL('team.png', SCREENSHOTS).pathname, fullPage: true });
    await book.locator('a').click();
    await page.waitForSelector('#drill-down');
    expect((await page.locator('#drill-down tbody td').allTextContents()).sort()).toEqual(['charlie', 'delta', 'foxtrot']);
    await page.goto(`${api.base}/dashboard/forecast`);
    await page.waitForSelector('#forecast');
    // echo's term ends in 65 days: one renewal in the forecast, in its month.
    const counts = await page.locator('#forecast tbody td.num').allTextContents();
    expect(counts.filter((_, i) => i % 2 === 0).map(Number).reduce((a, b) => a + b, 0)).toBe(
      (await db.pool.query(`SELECT count(*)::int AS n FROM journeys WHERE contract_end > now()`)).rows[0].n);
    await page.screenshot({ path: new URL('forecast.png', SCREENSHOTS).pathname, fullPage: true });
  });

  describe('as a CSM', () => {
    let csm: Page;
    beforeAll(async () => {
      csm = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await csm.goto(`${api.base}/dashboard`);
      await csm.fill('#token', tokens['bo@example.com']!);
      await csm.click('form.sign-in button[type=submit]');
      await csm.waitForURL(`${api.base}/dashboard/me`);
    });
    afterAll(async () => { await csm?.close(); });

    it('closes a task from their page, and the journey\'s report shows it closed by them', async () => {
      await waitFor(async () => (await db.pool.query(`SELECT count(*)::int AS n FROM tasks WHERE assignee = 'bo@example.com' AND status = 'open'`)).rows[0].n > 0, 30_000);
      await csm.reload();
      const row = csm.locator('tr[data-task]').first();
      const id = await row.getAttribute('data-task');
      const { rows: [task] } = await db.pool.query('SELECT journey_id, customer_id, task_id FROM tasks WHERE id = $1', [id]);
      await row.locator('input[name=note]').fill('called the practice');
      await row.locator('button.close-task').click();
      await csm.waitForURL(`${api.base}/dashboard/me`);
      expect(await csm.locator(`tr[data-task="${id}"]`).count()).toBe(0);
      const { rows: [closed] } = await db.pool.query('SELECT status, closed_by, closed_because, close_note FROM tasks WHERE id = $1', [id]);
      expect(closed).toEqual({ status: 'closed', closed_by: 'bo@example.com', closed_because: 'done', close_note: 'called the practice' });
      const report = await temporal.gateway.report(task.journey_id, Date.now());
      const entry = (report as { tasks?: Array<{ id: string; closed_because: string | null }> }).tasks?.find((t) => t.id === task.task_id);
      expect(entry?.closed_because).toBe('done');
      await csm.screenshot({ path: new URL('my-work.png', SCREENSHOTS).pathname, fullPage: true });
    });

    it('completes a milestone by hand, recorded as theirs', async () => {
      const button = csm.locator('#book .milestone').first();
      const milestone = await button.getAttribute('data-milestone');
      const customer = await button.getAttribute('data-customer');
      const row = csm.locator(`#book .milestone[data-customer="${customer}"][data-milestone="${milestone}"]`);
      await row.locator('input[name=note]').fill('confirmed on the phone');
      await row.locator('button.complete-milestone').click();
      await csm.waitForURL(`${api.base}/dashboard/me`);
      const report = await temporal.gateway.report(journeyWorkflowId('clinic-first-year', customer!), Date.now());
      const done = report.milestones.find((m) => m.id === milestone);
      expect(done?.completed_at).not.toBeNull();
      expect(['done', 'late']).toContain(done?.state);
      await waitFor(async () => (await db.pool.query(
        `SELECT count(*)::int AS n FROM milestone_ledger WHERE customer_id = $1 AND subject LIKE $2 AND detail::text LIKE '%bo@example.com%'`, [customer, `%${milestone}%`])).rows[0].n > 0, 15_000);
    });

    it('may not see the team pages nor work another CSM\'s book (403, nothing changed)', async () => {
      const team = await csm.goto(`${api.base}/dashboard/team`);
      expect(team?.status()).toBe(403);
      expect(await csm.textContent('main')).toContain('bo@example.com (csm) may not do this');
      await csm.goto(`${api.base}/dashboard/me?csm=ada@example.com`);
      expect(await csm.locator('#read-only').count()).toBe(1);
      expect(await csm.locator('button.close-task').count()).toBe(0);
      await waitFor(async () => (await db.pool.query(`SELECT count(*)::int AS n FROM tasks WHERE assignee = 'ada@example.com' AND status = 'open'`)).rows[0].n > 0, 30_000);
      const { rows: [theirs] } = await db.pool.query(`SELECT id FROM tasks WHERE assignee = 'ada@example.com' AND status = 'open' LIMIT 1`);
      const csrf = await csm.locator('input[name=_csrf]').first().getAttribute('value');
      // A forged form post to the other book's task, with a valid session and CSRF token: refused by the role.
      const response = await csm.request.post(`${api.base}/tasks/${theirs.id}/close`, { form: { _csrf: csrf!, _next: '/dashboard/me' }, maxRedirects: 0 });
      expect(response.status()).toBe(403);
      const { rows: [after] } = await db.pool.query('SELECT status, close_requested_by FROM tasks WHERE id = $1', [theirs.id]);
      expect(after).toEqual({ status: 'open', close_requested_by: null });
    });
  });

  it('shows a phone a page that fits its width', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(`${api.base}/sign-in`);
      await phone.fill('#token', tokens['ada@example.com']!);
      await phone.click('form.sign-in button[type=submit]');
      await phone.waitForURL(`${api.base}/dashboard/me`);
      // Runs in the page (a string, so this file needs no DOM types).
      const overflow = await phone.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as number;
      expect(overflow).toBeLessThanOrEqual(0);
      await phone.screenshot({ path: new URL('my-work-phone.png', SCREENSHOTS).pathname, fullPage: false });
    } finally {
      await phone.close();
    }
  });
});
