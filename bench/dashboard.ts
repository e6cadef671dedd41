/**
 * Dashboard benchmark (issue 13): the manager's pages and a CSM's page at
 * two portfolio sizes in one run (default 10,000 and 100,000 customers), over
 * loopback HTTP against real Postgres, signed in with personal tokens (a
 * manager's and a CSM's), so the role checks are part of what is measured.
 *
 * The portfolio is realistic, not synthetic: clinics on clinic-first-year
 * with contract starts spread over the past year, one CSM per 200 clinics
 * (the seeds' managers size books at about 5 M of contract value per CSM;
 * a clinic's ARR averages 27 k), a few events each (activation, usage,
 * campaigns, tickets), and each journey's report and health computed by the
 * journey engine itself as of now and stored as the read model
 * (journey_progress, journey_health), as the journeys' recordInstant does.
 *
 * The manager's pages answer from a snapshot of the team's figures
 * (client/dashboard/team-snapshot.ts, recomputed in the background when
 * older than 30 s); the first request of a page computes it, and that time
 * is reported separately ("cold"). The CSM's page reads only their book.
 *
 * Run: `node bench/dashboard.ts [sizes=10000,100000] [runs=7]`. Prints the
 * medians and rewrites the "Dashboard render" part of the "API and
 * dashboard" section of docs/benchmarks.md.
 */
import { cpus, loadavg } from 'node:os';
import { buildApiServer } from '../client/api/server.ts';
import type { ApiJourneyGateway } from '../client/api/deps.ts';
import { advanceJourney, journeyHealth, journeyReport, receiveEvents, startJourney } from '../workflows/engine/index.ts';
import type { JourneyEvent } from '../workflows/engine/types.ts';
import { addUser } from '../store/users.ts';
import { createTestDatabase } from '../tests/support/postgres.ts';
import { deployPlaybookFile } from '../tests/api/support/temporal-journeys.ts';
import { writeBenchPart } from './bench-doc.ts';
import startTestPostgres from '../tests/setup/postgres-server.ts';

const DAY = 86_400_000;
const TOKEN = 'bench-token';
const CUSTOMERS_PER_CSM = 200;
const sizes = (process.argv[2] ?? '10000,100000').split(',').map(Number);
const runs = Number(process.argv[3] ?? 7);

/** Deterministic pseudo-random numbers, so every run measures the same portfolio. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface Timing { path: string; cold: number; median: number; worst: number; bytes: number }

/** Seeds `customers` clinics and times the pages. */
async function measure(customers: number): Promise<{ customers: number; csms: number; seedSeconds: number; pages: Timing[] }> {
const db = await createTestDatabase();
try {
  const csms = Math.max(1, Math.round(customers / CUSTOMERS_PER_CSM));
  const ir = await deployPlaybookFile(db.pool, 'playbooks/clinic-first-year.yaml');
  const now = Date.now();
  const random = lcg(42);
  const tiers = ['vip', 'growth', 'growth', 'stable'];
  const seedStarted = performance.now();
  const flush = async (chunk: unknown[][]) => {
    await db.pool.query(
      `INSERT INTO customers (id, attrs, csm) SELECT id, attrs, attrs ->> 'csm' FROM unnest($1::text[], $2::jsonb[]) AS t(id, attrs)`,
      [chunk.map((r) => r[0]), chunk.map((r) => JSON.stringify(r[1]))]);
    await db.pool.query(
      `INSERT INTO journeys (workflow_id, customer_id, playbook, playbook_hash, contract_start, contract_end, enrolled_at, status)
       SELECT 'journey:clinic-first-year:' || id, id, 'clinic-first-year', $4, to_timestamp(s / 1000.0), to_timestamp(e / 1000.0), to_timestamp(s / 1000.0), 'running'
         FROM unnest($1::text[], $2::float8[], $3::float8[]) AS t(id, s, e)`,
      [chunk.map((r) => r[0]), chunk.map((r) => r[2]), chunk.map((r) => r[3]), ir.sourceHash]);
    // The read model as the journeys write it (store/journey-progress.ts): report, health, today's health row.
    await db.pool.query(
      `INSERT INTO journey_progress (workflow_id, at, outcome, report, health)
       SELECT 'journey:clinic-first-year:' || id, to_timestamp($4 / 1000.0), r ->> 'outcome', r, h
         FROM unnest($1::text[], $2::jsonb[], $3::float8[]) AS t(id, r, h)`,
      [chunk.map((r) => r[0]), chunk.map((r) => JSON.stringify(r[4])), chunk.map((r) => r[5]), now]);
    await db.pool.query(
      `INSERT INTO journey_health (workflow_id, day, health)
       SELECT 'journey:clinic-first-year:' || id, to_timestamp($3 / 1000.0)::date, h FROM unnest($1::text[], $2::float8[]) AS t(id, h) WHERE h IS NOT NULL`,
      [chunk.map((r) => r[0]), chunk.map((r) => r[5]), now]);
  };
  let chunk: unknown[][] = [];
  for (let i = 0; i < customers; i++) {
    const id = `clinic-${String(i).padStart(6, '0')}`;
    const start = now - Math.floor(random() * 360) * DAY;
    const end = start + 365 * DAY;
    const attrs = { name: `Clinic ${i}`, segment: 'clinic', tier: tiers[i % 4]!, arr: 5000 + Math.floor(random() * 45) * 1000, csm: `csm${i % csms}@example.com`, manager: 'max@example.com' };
    const events: JourneyEvent[] = [];
    if (random() < 0.8) events.push({ id: `${id}-a`, at: start + Math.floor(random() * 50) * DAY, type: 'activated', data: {} });
    for (let k = 0; k < 6; k++) events.push({ id: `${id}-u${k}`, at: start + Math.floor(random() * 360) * DAY, type: 'usage', data: { active_users: Math.floor(random() * 12), minutes: Math.floor(random() * 600) } });
    if (random() < 0.5) events.push({ id: `${id}-c`, at: start + Math.floor(random() * 270) * DAY, type: 'campaign_run', data: { name: 'recall' } });
    if (random() < 0.3) events.push({ id: `${id}-t`, at: start + Math.floor(random() * 200) * DAY, type: 'ticket_opened', data: { category: random() < 0.5 ? 'operations' : 'billing', severity: 1 } });
    const visible = events.filter((e) => e.at <= now).sort((a, b) => a.at - b.at);
    const state = advanceJourney(ir, receiveEvents(ir, startJourney(ir, { customer: { id, attrs }, contract: { start, end }, enrolledAt: start }), visible), now).state;
    const { actions: _actions, ...report } = journeyReport(ir, state, now);
    chunk.push([id, attrs, start, end, report, journeyHealth(ir, state, now)?.value ?? null]);
    if (chunk.length === 1000) { await flush(chunk); chunk = []; }
  }
  if (chunk.length > 0) await flush(chunk);
  await db.pool.query('ANALYZE');
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`seeded ${customers} journeys (engine reports) for ${csms} CSMs in ${seedSeconds.toFixed(1)} s`);
  const manager = (await addUser(db.pool, { email: 'max@example.com', role: 'manager' })).token;
  const csm = (await addUser(db.pool, { email: 'csm1@example.com', role: 'csm' })).token;

  const unused = () => { throw new Error('the dashboard does not call Temporal'); };
  const gateway: ApiJourneyGateway = { enrol: unused, deliverEvent: unused, report: unused, completeMilestone: unused };
  const app = buildApiServer({ pool: db.pool, gateway, token: TOKEN, clock: () => now });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const time = async (path: string, token: string): Promise<Timing> => {
    const samples: number[] = [];
    let bytes = 0;
    let cold = 0;
    for (let r = 0; r < runs + 1; r++) {
      const started = performance.now();
      const response = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body.slice(0, 200)}`);
      if (r === 0) cold = performance.now() - started; // computes the snapshot (manager pages) and warms caches
      else samples.push(performance.now() - started);
      bytes = body.length;
    }
    samples.sort((a, b) => a - b);
    return { path, cold, median: samples[Math.floor(samples.length / 2)]!, worst: samples.at(-1)!, bytes };
  };
  const pages = [
    await time('/dashboard/team', manager),
    await time('/dashboard/forecast', manager),
    await time('/dashboard', manager),
    await time('/dashboard/me', csm),
    await time('/dashboard/customers/clinic-000001', csm),
  ];
  await app.close();
  for (const p of pages) console.log(`${customers}: ${p.path}: cold ${p.cold.toFixed(0)} ms, median ${p.median.toFixed(0)} ms, worst ${p.worst.toFixed(0)} ms, ${(p.bytes / 1024).toFixed(0)} KiB`);
  return { customers, csms, seedSeconds, pages };
} finally {
  await db.drop();
}
}

// The tests' Postgres: MILEPOST_TEST_DATABASE_URL, the local dev server, or a private cluster started here.
const stopPostgres = await startTestPostgres();
const results: Array<Awaited<ReturnType<typeof measure>>> = [];
try {
  for (const size of sizes) results.push(await measure(size));
} finally {
  await stopPostgres();
}
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const what: Record<string, string> = {
  '/dashboard/team': "manager: one row per CSM, overdue today, health distribution",
  '/dashboard/forecast': 'manager: renewal forecast, renewal rate, GRR/NRR, activation by cohort, health trend',
  '/dashboard': 'overview: figures, milestone chart, by CSM, by cohort, renewals, risks',
  '/dashboard/me': "a CSM's page (their book of 200)",
  '/dashboard/customers/clinic-000001': "one customer's page, with the engine's explanations",
};
const [small, large] = [results[0]!, results.at(-1)!];
const rows = small.pages.map((p, i) => {
  const q = large.pages[i]!;
  return `| \`${p.path}\` — ${what[p.path]} | ${results.map((r) => `${r.pages[i]!.median.toFixed(0)} ms`).join(' | ')} | ${(q.median / p.median).toFixed(2)}× | ${results.map((r) => `${r.pages[i]!.cold.toFixed(0)} ms`).join(' | ')} |`;
});
writeBenchPart('Dashboard render', `
\`node bench/dashboard.ts ${sizes.join(',')} ${runs}\` on ${cpu} (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} when it finished: other work shares the machine, so expect run-to-run spread), Node ${process.versions.node}, local Postgres, one run:
clinics on clinic-first-year, contract starts spread over the past year, one CSM per ${CUSTOMERS_PER_CSM} clinics, each journey's report and
health computed by the engine as of now and stored as the read model. Signed in with personal tokens (manager, CSM).
Time from request to the last byte over loopback HTTP, median of ${runs} runs after the first ("cold": the first request, which
computes the manager pages' snapshot of the team figures; later ones answer from it while it is under 30 s old).

| page | ${results.map((r) => `${r.customers.toLocaleString('en-US')} median`).join(' | ')} | ${large.customers / small.customers}× customers | ${results.map((r) => `${r.customers.toLocaleString('en-US')} cold`).join(' | ')} |
| --- | ${results.map(() => '---:').join(' | ')} | ---: | ${results.map(() => '---:').join(' | ')} |
${rows.join('\n')}

Seeding (engine + inserts): ${results.map((r) => `${r.customers.toLocaleString('en-US')} in ${r.seedSeconds.toFixed(0)} s`).join(', ')}. The cold times grow with the
portfolio (every journey is read once per snapshot); the answers do not: the manager pages render from the snapshot, the CSM's
page reads one book through the customers' csm index.`);
