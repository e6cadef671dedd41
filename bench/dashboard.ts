/**
 * Dashboard benchmark: time to render the managers' pages for a portfolio of
 * 10,000 customers, over loopback HTTP against real Postgres.
 *
 * The portfolio is realistic, not synthetic: 10,000 clinics on
 * clinic-first-year with contract starts spread over the past year, 8 CSMs,
 * a few events each (activation, campaigns, renewals, tickets), and each
 * journey's report computed by the journey engine itself as of now, stored
 * as the read model (`journeys.last_report`) exactly as the API's refresher
 * stores Temporal's reports.
 *
 * Run: `node bench/dashboard.ts [customers=10000] [runs=7]`. Prints median
 * and worst render times and rewrites the "Dashboard render" part of the
 * "API and dashboard" section of docs/benchmarks.md.
 */
import { cpus, loadavg } from 'node:os';
import { buildApiServer } from '../client/api/server.ts';
import type { ApiJourneyGateway } from '../client/api/deps.ts';
import { computeFigures } from '../client/read-model/figures.ts';
import { loadPortfolio } from '../client/read-model/portfolio.ts';
import { advanceJourney, journeyReport, receiveEvents, startJourney } from '../workflows/engine/index.ts';
import type { JourneyEvent } from '../workflows/engine/types.ts';
import { createTestDatabase } from '../tests/support/postgres.ts';
import { deployPlaybookFile } from '../tests/api/support/temporal-journeys.ts';
import { writeBenchPart } from './api-events.ts';

const DAY = 86_400_000;
const TOKEN = 'bench-token';
const customers = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 7);

/** Deterministic pseudo-random numbers, so every run measures the same portfolio. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const db = await createTestDatabase();
try {
  const ir = await deployPlaybookFile(db.pool, 'playbooks/clinic-first-year.yaml');
  const now = Date.now();
  const random = lcg(42);
  const tiers = ['vip', 'growth', 'growth', 'stable'];
  const seedStarted = performance.now();
  const rows: unknown[][] = [];
  for (let i = 0; i < customers; i++) {
    const id = `clinic-${String(i).padStart(5, '0')}`;
    const start = now - Math.floor(random() * 360) * DAY;
    const end = start + 365 * DAY;
    const attrs = { name: `Clinic ${i}`, segment: 'clinic', tier: tiers[i % 4]!, arr: 5000 + Math.floor(random() * 45) * 1000, csm: `csm${i % 8}@example.com`, manager: 'max@example.com' };
    const events: JourneyEvent[] = [];
    if (random() < 0.8) events.push({ id: `${id}-a`, at: start + Math.floor(random() * 50) * DAY, type: 'activated', data: {} });
    for (let k = 0; k < 6; k++) events.push({ id: `${id}-u${k}`, at: start + Math.floor(random() * 360) * DAY, type: 'usage', data: { active_users: Math.floor(random() * 12), minutes: Math.floor(random() * 600) } });
    if (random() < 0.5) events.push({ id: `${id}-c`, at: start + Math.floor(random() * 270) * DAY, type: 'campaign_run', data: { name: 'recall' } });
    if (random() < 0.3) events.push({ id: `${id}-t`, at: start + Math.floor(random() * 200) * DAY, type: 'ticket_opened', data: { category: random() < 0.5 ? 'operations' : 'billing', severity: 1 } });
    const visible = events.filter((e) => e.at <= now).sort((a, b) => a.at - b.at);
    const state = advanceJourney(ir, receiveEvents(ir, startJourney(ir, { customer: { id, attrs }, contract: { start, end }, enrolledAt: start }), visible), now).state;
    rows.push([id, attrs, start, end, journeyReport(ir, state, now)]);
  }
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await db.pool.query(
      `INSERT INTO customers (id, attrs, csm) SELECT id, attrs, attrs ->> 'csm' FROM unnest($1::text[], $2::jsonb[]) AS t(id, attrs)`,
      [chunk.map((r) => r[0]), chunk.map((r) => JSON.stringify(r[1]))]);
    await db.pool.query(
      `INSERT INTO journeys (workflow_id, customer_id, playbook, playbook_hash, contract_start, contract_end, enrolled_at, status, last_report)
       SELECT 'journey:clinic-first-year:' || id, id, 'clinic-first-year', $5, to_timestamp(s / 1000.0), to_timestamp(e / 1000.0), to_timestamp(s / 1000.0), r ->> 'outcome', r
         FROM unnest($1::text[], $2::float8[], $3::float8[], $4::jsonb[]) AS t(id, s, e, r)`,
      [chunk.map((r) => r[0]), chunk.map((r) => r[2]), chunk.map((r) => r[3]), chunk.map((r) => JSON.stringify(r[4])), ir.sourceHash]);
  }
  // The read model as the journeys write it (store/journey-progress.ts): their reports as of now.
  await db.pool.query(
    `INSERT INTO journey_progress (workflow_id, at, outcome, report) SELECT workflow_id, to_timestamp($1 / 1000.0), status, last_report FROM journeys`, [now]);
  await db.pool.query('ANALYZE');
  console.log(`seeded ${customers} journeys (engine reports) in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  const unused = () => { throw new Error('the dashboard does not call Temporal'); };
  const gateway: ApiJourneyGateway = { enrol: unused, deliverEvent: unused, report: unused, completeMilestone: unused };
  const app = buildApiServer({ pool: db.pool, gateway, token: TOKEN, clock: () => now });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const time = async (path: string) => {
    const samples: number[] = [];
    let bytes = 0;
    for (let r = 0; r < runs + 1; r++) {
      const started = performance.now();
      const response = await fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body.slice(0, 200)}`);
      if (r > 0) samples.push(performance.now() - started); // the first run warms caches
      bytes = body.length;
    }
    samples.sort((a, b) => a - b);
    return { path, median: samples[Math.floor(samples.length / 2)]!, worst: samples.at(-1)!, bytes };
  };
  const pages = [
    await time('/dashboard'),
    await time('/dashboard/portfolio'),
    await time('/dashboard/export/portfolio.csv'),
    await time('/figures'),
    await time('/dashboard/customers/clinic-04242'),
  ];
  // The pure part alone: read model in, figures out.
  const loadStarted = performance.now();
  for (let r = 0; r < runs; r++) await loadPortfolio(db.pool);
  const loadMs = (performance.now() - loadStarted) / runs;
  const portfolio = await loadPortfolio(db.pool);
  const computeStarted = performance.now();
  for (let r = 0; r < runs; r++) computeFigures(portfolio, now);
  const computeMs = (performance.now() - computeStarted) / runs;
  await app.close();
  for (const p of pages) console.log(`${p.path}: median ${p.median.toFixed(0)} ms, worst ${p.worst.toFixed(0)} ms, ${(p.bytes / 1024).toFixed(0)} KiB`);
  console.log(`loadPortfolio: ${loadMs.toFixed(1)} ms; computeFigures over ${customers} journeys: ${computeMs.toFixed(1)} ms`);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const what: Record<string, string> = {
    '/dashboard': 'overview: figures, milestone chart, by CSM, by cohort, renewals, risks',
    '/dashboard/portfolio': 'portfolio grid, first page (250 rows)',
    '/dashboard/export/portfolio.csv': 'portfolio grid, every row, CSV',
    '/figures': 'the same figures as JSON (`milepost report --json`)',
    '/dashboard/customers/clinic-04242': "one customer's page, with the engine's explanations",
  };
  writeBenchPart('Dashboard render', `
\`node bench/dashboard.ts ${customers} ${runs}\` on ${cpu} (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} when it finished: other work shares the machine, so expect run-to-run spread), Node ${process.versions.node}, local Postgres:
${customers.toLocaleString('en-US')} clinics on clinic-first-year, contract starts spread over the past year, 8 CSMs, each journey's
report computed by the engine as of now and stored as the read model. Time from request to the last byte
over loopback HTTP, median and worst of ${runs} runs after one warm-up.

| page | median | worst | size |
| --- | ---: | ---: | ---: |
${pages.map((p) => `| \`${p.path}\` — ${what[p.path]} | ${p.median.toFixed(0)} ms | ${p.worst.toFixed(0)} ms | ${(p.bytes / 1024).toFixed(0)} KiB |`).join('\n')}

Where the overview's time goes (mean of ${runs}): reading the ${customers.toLocaleString('en-US')} journeys' reports from Postgres (without their
action lists) ${loadMs.toFixed(0)} ms; computing the figures ${computeMs.toFixed(0)} ms; the rest is rendering and HTTP.`);
} finally {
  await db.drop();
}
