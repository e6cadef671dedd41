/**
 * API benchmark: customer events accepted per second through `POST /events`,
 * in batches of 1,000, over loopback HTTP, into real Postgres.
 *
 * Two figures:
 * - end to end: each batch is validated, stored, and signalled to the
 *   customers' durable journeys on a Temporal dev server with a running
 *   worker, before the API answers 202;
 * - store only: the same requests with signalling left to the background
 *   sweep (a gateway that accepts and does nothing), i.e. what the API and
 *   Postgres sustain on their own.
 *
 * Run: `node bench/api-events.ts [batches=20] [clients=4]` (needs the local
 * Postgres of the dev setup or MILEPOST_TEST_DATABASE_URL, and the Temporal
 * CLI from `npm run provision`). Rewrites the "Events through POST /events"
 * part of the "API and dashboard" section of docs/benchmarks.md.
 */
import { cpus, loadavg } from 'node:os';
import { buildApiServer } from '../client/api/server.ts';
import type { ApiJourneyGateway } from '../client/api/deps.ts';
import { createTestDatabase } from '../tests/support/postgres.ts';
import { deployPlaybookFile, startTemporalJourneys } from '../tests/api/support/temporal-journeys.ts';
import { writeBenchPart } from './bench-doc.ts';

const TOKEN = 'bench-token';
const CUSTOMERS = 200;
const BATCH = 1000;

async function run(gateway: ApiJourneyGateway, pool: import('../store/pool.ts').Pool, label: string, batches: number, clients: number, enrolFirst: boolean) {
  const app = buildApiServer({ pool, gateway, token: TOKEN, clock: () => Date.now() });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.status >= 300) throw new Error(`${path}: ${response.status} ${(await response.text()).slice(0, 300)}`);
    return response.json();
  };
  const now = Date.now();
  if (enrolFirst) {
    for (let c = 0; c < CUSTOMERS; c++) {
      await post('/customers', {
        playbook: 'clinic-first-year',
        customer: { id: `c${c}`, name: `Clinic ${c}`, segment: 'clinic', tier: 'growth', arr: 10000, csm: 'ada@example.com', manager: 'max@example.com' },
        contract: { start: new Date(now - 30 * 86_400_000).toISOString(), end: new Date(now + 335 * 86_400_000).toISOString() },
      });
    }
  }
  const batch = (k: number) => ({
    events: Array.from({ length: BATCH }, (_, i) => ({
      id: `${label}-${k}-${i}`, customer: `c${(k * BATCH + i) % CUSTOMERS}`, type: 'usage',
      at: new Date(now + i).toISOString(), data: { active_users: i % 40, minutes: 30 + (i % 90) },
    })),
  });
  await post('/events', batch(batches)); // warm-up, not counted
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < batches) {
      const k = next++;
      const answer = await post('/events', batch(k)) as { accepted: number };
      if (answer.accepted !== BATCH) throw new Error(`batch ${k}: accepted ${answer.accepted}`);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  return { events: batches * BATCH, seconds, perSecond: (batches * BATCH) / seconds };
}

if (import.meta.main) {
  const batches = Number(process.argv[2] ?? 20);
  const clients = Number(process.argv[3] ?? 4);
  const db = await createTestDatabase();
  await deployPlaybookFile(db.pool, 'playbooks/clinic-first-year.yaml');
  const temporal = await startTemporalJourneys(db.pool);
  try {
    // Store only first, so the worker is not still busy with the end-to-end run's signals.
    const noSignals: ApiJourneyGateway = { ...temporal.gateway, deliverEvent: async () => ({ delivered: true }) };
    const storeOnly = await run(noSignals, db.pool, 'store', batches, clients, true);
    console.log(`store only (validated + stored, signalling deferred): ${storeOnly.perSecond.toFixed(0)} events/s (${storeOnly.events} in ${storeOnly.seconds.toFixed(2)} s)`);
    const endToEnd = await run(temporal.gateway, db.pool, 'e2e', batches, clients, false);
    console.log(`end to end (stored + signalled to ${CUSTOMERS} journeys): ${endToEnd.perSecond.toFixed(0)} events/s (${endToEnd.events} in ${endToEnd.seconds.toFixed(2)} s)`);
    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    writeBenchPart('Events through POST /events', `
\`node bench/api-events.ts ${batches} ${clients}\` on ${cpu} (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} when it finished: other work shares the machine, so expect run-to-run spread), Node ${process.versions.node}, Postgres and a
Temporal dev server (\`temporal server start-dev\`, SQLite in memory) on the same machine: ${batches} batches of
${BATCH.toLocaleString('en-US')} \`usage\` events for ${CUSTOMERS} clinics enrolled in clinic-first-year, sent by ${clients} concurrent clients over loopback HTTP.

| path | events | time | events per second |
| --- | ---: | ---: | ---: |
| validated, stored, signalled to the journeys (202 after signalling) | ${endToEnd.events.toLocaleString('en-US')} | ${endToEnd.seconds.toFixed(2)} s | ${Math.round(endToEnd.perSecond).toLocaleString('en-US')} |
| validated and stored only (signalling left to the sweep) | ${storeOnly.events.toLocaleString('en-US')} | ${storeOnly.seconds.toFixed(2)} s | ${Math.round(storeOnly.perSecond).toLocaleString('en-US')} |

Signalling dominates: the gateway signals one event per Temporal signal (one journey's events in order,
journeys in parallel), and each signal makes the journey run a workflow task. The API already sends a
journey's events of a batch as one signal when the gateway offers \`deliverEvents\` (the workflow's
signal takes a list); with ${CUSTOMERS} journeys that is ${BATCH / CUSTOMERS} events per signal here.`);
  } finally {
    await temporal.stop();
    await db.drop();
  }
}
