/**
 * Throughput on a Temporal cluster (scripts/cluster: four services on
 * Postgres) side by side with the dev server (`temporal server start-dev` on
 * a SQLite file, what `npm start` runs), in one run, with one and then two
 * `milepost worker`s: the same load script (tests/cluster/support/
 * complaint-load.ts) through `milepost serve`'s HTTP API, Milepost's tables
 * on the cluster's Postgres in both cases.
 *
 * For each of the four set-ups, a fresh database and task queue:
 * - enrolments/s: `POST /customers` for N clinics, 4 at a time;
 * - events/s accepted: R rounds of one complaint per clinic, one `POST /events`
 *   batch per round, back to back (what the API takes in);
 * - events/s delivered: the same events over the time from the first batch until
 *   the last complaint's task is in the tasks table (end to end);
 * - delivery lag: per event, task row written (`tasks.created_at`) minus event
 *   stored (`customer_events.received_at`): median, 95th percentile, maximum.
 *
 * Run: `node bench/cluster.ts [clinics=60] [rounds=10]` (builds the cluster's
 * binaries on first use, like `npm run cluster`). Frontend on 17600, Postgres on
 * 17632. Rewrites the "Cluster and dev server" part of docs/benchmarks.md.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../scripts/cluster/cluster.ts';
import { startDevServer } from '../scripts/temporal/dev-server.ts';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../workflows/search-attributes.ts';
import { clinicIds, COMPLAINT_SOURCE, enrolClinics, expectDeliveredOnce, sendComplaintRounds } from '../tests/cluster/support/complaint-load.ts';
import { startMilepostStack } from '../tests/cluster/support/milepost-stack.ts';

const DOC = new URL('../docs/benchmarks.md', import.meta.url);

interface Figures { server: string; workers: number; enrolPerSecond: number; acceptedPerSecond: number; deliveredPerSecond: number; lagP50: number; lagP95: number; lagMax: number }

async function measure(server: string, temporal: { address: string; namespace: string } | undefined, workers: number, clinics: number, rounds: number): Promise<Figures> {
  const name = `bench_${server.replace(/\W/g, '')}_${workers}`;
  const stack = await startMilepostStack(name, { workers, playbooks: ['playbooks/clinic-first-year.yaml'], ...(temporal ? { temporal } : {}) });
  try {
    const ids = clinicIds(name, clinics);
    const enrolSeconds = await enrolClinics(stack, ids);
    const sent = await sendComplaintRounds(stack, name, ids, rounds, { pauseMs: 0 });
    await expectDeliveredOnce(stack, name, { customers: clinics, rounds }, 600_000);
    // expectDeliveredOnce waits 5 s after the last task to catch duplicates: the end is the last task's time.
    const last = await stack.db.query(`SELECT extract(epoch FROM max(created_at)) * 1000 AS last, extract(epoch FROM min(received_at)) * 1000 AS first
      FROM tasks t, (SELECT min(received_at) AS received_at FROM customer_events WHERE customer_id LIKE $1 AND type = 'complaint') e
      WHERE t.customer_id LIKE $1 AND t.source = '${COMPLAINT_SOURCE}'`, [`${name}-%`]);
    const endToEndSeconds = (Number(last.rows[0].last) - Number(last.rows[0].first)) / 1000;
    const lag = await stack.db.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95, max(ms) AS max
         FROM (SELECT extract(epoch FROM t.created_at - e.received_at) * 1000 AS ms
                 FROM customer_events e JOIN tasks t ON t.customer_id = e.customer_id AND t.fired_at = e.at AND t.source = '${COMPLAINT_SOURCE}'
                WHERE e.customer_id LIKE $1 AND e.type = 'complaint') lags`, [`${name}-%`]);
    const figures: Figures = {
      server, workers, enrolPerSecond: clinics / enrolSeconds, acceptedPerSecond: sent.accepted / sent.seconds, deliveredPerSecond: (clinics * rounds) / endToEndSeconds,
      lagP50: Number(lag.rows[0].p50), lagP95: Number(lag.rows[0].p95), lagMax: Number(lag.rows[0].max),
    };
    console.log(JSON.stringify(figures));
    return figures;
  } finally {
    await stack.stop();
  }
}

if (import.meta.main) {
  const clinics = Number(process.argv[2] ?? 60);
  const rounds = Number(process.argv[3] ?? 10);
  const dir = mkdtempSync(join(tmpdir(), 'milepost-bench-cluster-'));
  chmodSync(dir, 0o755);
  const cluster = await startCluster({ dir, portBase: 17600, postgresPort: 17632, namespace: 'default', milepostDatabase: 'milepost', log: (l) => console.log(`cluster: ${l}`) });
  process.env.MILEPOST_TEST_CLUSTER_DIR = dir;
  const dev = await startDevServer({ dbFile: join(dir, 'temporal-dev.db'), searchAttributes: [...SEARCH_ATTRIBUTE_REGISTRATIONS], port: 17650 });
  const results: Figures[] = [];
  try {
    for (const workers of [1, 2]) {
      results.push(await measure('dev server (SQLite file)', { address: dev.address, namespace: dev.namespace }, workers, clinics, rounds));
      results.push(await measure('cluster (4 services, Postgres)', undefined, workers, clinics, rounds));
    }
  } finally {
    await dev.stop();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const row = (f: Figures) => `| ${f.server} | ${f.workers} | ${f.enrolPerSecond.toFixed(1)} | ${f.acceptedPerSecond.toFixed(0)} | ${f.deliveredPerSecond.toFixed(1)} | ${(f.lagP50 / 1000).toFixed(2)} s | ${(f.lagP95 / 1000).toFixed(2)} s | ${(f.lagMax / 1000).toFixed(2)} s |`;
  const text = `### Cluster and dev server

\`node bench/cluster.ts ${clinics} ${rounds}\` on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} when it finished: seven other engineers' builds and tests share the machine, so expect wide run-to-run spread), Node ${process.versions.node}.
One run, the four set-ups one after the other: the Temporal dev server (\`temporal server start-dev\` on a SQLite file) and the
cluster of \`npm run cluster\` (temporal-server v1.32.1, history, matching, frontend and worker as four processes, \`postgres12\`
persistence, 4 history shards), each with one and then two \`milepost worker\` processes and one \`milepost serve\`; Milepost's
tables on the cluster's Postgres (durable) in all four. Load: ${clinics} clinics enrolled with \`POST /customers\` (4 at a time), then ${rounds} back-to-back
\`POST /events\` batches of one complaint per clinic (${(clinics * rounds).toLocaleString('en-US')} events; each opens one task). Every run ended with every
complaint's task written exactly once.

| Temporal | workers | enrolments/s | events/s accepted | events/s delivered (end to end) | lag p50 | lag p95 | lag max |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${results.map(row).join('\n')}

"Accepted" is the API's intake (stored, answered 202); "delivered" counts the same events from the first batch's arrival to the last task row, so it
includes the delivery loop's signal, the journey's workflow task and the \`recordInstant\` activity. Lag is per event: task row written minus event stored.`;
  writeBenchPart(text);
  console.log(text);
}

/** Replaces (or appends) the "### Cluster and dev server" part of the "## Temporal" section of docs/benchmarks.md. */
function writeBenchPart(text: string): void {
  let doc = readFileSync(DOC, 'utf8');
  const existing = /### Cluster and dev server\n[\s\S]*?(?=\n### |\n## |$)/;
  if (existing.test(doc)) doc = doc.replace(existing, text.trim() + '\n');
  else doc = `${doc.trimEnd()}\n\n${text.trim()}\n`;
  writeFileSync(DOC, doc.trimEnd() + '\n');
}
