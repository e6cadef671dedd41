/**
 * Schemathesis against a live Milepost: real Postgres (the test server, or a
 * private throwaway cluster), a Temporal dev server with a journey worker,
 * the API on a free loopback port with a small book of journeys on the
 * reference playbooks, then `st run` driven by the served /openapi.json with
 * every check, bounded in time. Everything it started is stopped; the exit
 * code is Schemathesis's (non-zero on any finding).
 *
 *   node scripts/schemathesis/stack.ts <path to st> [--max-time <s>] [extra st args...]
 *
 * Normally run through scripts/schemathesis.sh (which provisions `st`).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { plainReportLine } from './closing-line.ts';
import setupPostgres from '../../tests/setup/postgres-server.ts';
import { createTestDatabase } from '../../tests/support/postgres.ts';
import { CLINIC_PLAYBOOK, DAY, enrolClinic } from '../../tests/api/support/clinics.ts';
import { TOKEN, startApi } from '../../tests/api/support/server.ts';
import { deployPlaybookFile, startTemporalJourneys } from '../../tests/api/support/temporal-journeys.ts';

const [st, ...rest] = process.argv.slice(2);
if (st === undefined) {
  process.stderr.write('usage: node scripts/schemathesis/stack.ts <st> [--max-time <s>] [st args...]\n');
  process.exit(2);
}
const maxTimeAt = rest.indexOf('--max-time');
const maxTime = maxTimeAt === -1 ? '240' : rest.splice(maxTimeAt, 2)[1]!;

const stopPostgres = await setupPostgres();
const db = await createTestDatabase();
const temporal = await startTemporalJourneys(db.pool).catch(async (err: unknown) => { await db.drop(); await stopPostgres(); throw err; });
const api = await startApi(db.pool, temporal.gateway);
let code = 1;
try {
  for (const file of ['playbooks/clinic-first-year.yaml', 'playbooks/at-risk-save.yaml', 'playbooks/enterprise-vip.yaml']) await deployPlaybookFile(db.pool, file);
  // A small book, so the read routes answer with rows: clinics at different points of their year.
  const now = Date.now();
  for (const [id, tier, offset] of [['alpha', 'growth', -200], ['beta', 'vip', -30], ['gamma', 'stable', -340]] as const) {
    const enrolled = await enrolClinic(api, now, id, tier, offset);
    if (enrolled.status !== 201) throw new Error(`seeding ${id} failed: ${enrolled.status} ${enrolled.text}`);
  }
  await api.call('/events', { body: { id: 'seed-1', customer: 'alpha', type: 'activated', at: new Date(now - DAY).toISOString(), data: {} } });
  await api.settle();
  process.stdout.write(`Milepost API at ${api.base} (playbook ${CLINIC_PLAYBOOK} and two more; 3 journeys); running ${st} for at most ${maxTime} s\n`);
  code = await run(st, [
    '--config-file', new URL('schemathesis.toml', import.meta.url).pathname,
    'run', `${api.base}/openapi.json`,
    '--checks', 'all',
    '--header', `Authorization: Bearer ${TOKEN}`,
    '--max-time', maxTime,
    // One worker: CPython 3.11 before 3.11.8 keeps the AST constructor's recursion depth per
    // interpreter, not per thread, so Hypothesis parsing lambda sources in two worker threads at once
    // fails now and then with "SystemError: AST constructor recursion depth mismatch"
    // (python/cpython#106905), a Schemathesis error that is no finding about Milepost.
    '--workers', '1',
    '--seed', process.env.SCHEMATHESIS_SEED ?? '1',
    '--generation-database', 'none',
    '--no-color',
    ...rest,
  ]);
} finally {
  await api.close();
  await temporal.stop();
  await db.drop();
  await stopPostgres();
}
process.exit(code);

/** Runs `st`, its report reworded line by line (closing-line.ts); resolves with its exit code once its output is all written. */
function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => process.stdout.write(`${plainReportLine(line)}\n`));
    const closed = new Promise<void>((done) => lines.on('close', done));
    child.on('error', reject);
    child.on('exit', (status, signal) => {
      void closed.then(() => resolve(status ?? (signal === null ? 1 : 128)));
    });
  });
}
