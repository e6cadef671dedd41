/**
 * `npm start`: the whole product on embedded defaults, in one command.
 *
 * 1. builds the Temporal CLI if it is missing (scripts/provision.ts);
 * 2. starts Temporal's dev server on `.milepost/temporal.db` (its web UI too),
 *    unless `TEMPORAL_ADDRESS` names a cluster;
 * 3. opens Postgres: `DATABASE_URL`, or embedded PGlite under `.milepost/pglite`
 *    served on loopback to the same `pg` code path; applies the migrations;
 * 4. deploys the playbooks in `playbooks/`;
 * 5. starts a worker and the API + dashboard (`milepost worker`, `milepost serve`)
 *    as child processes, logging to `.milepost/logs/`;
 * 6. enrols the demo book through the API (idempotent: a restart enrols nobody
 *    twice) and prints the URLs and the API token;
 * 7. on Ctrl-C (or SIGTERM) stops everything in order: API, worker, Temporal,
 *    Postgres. Started again, it picks up where it left off.
 *
 * Settings (all optional): MILEPOST_HOME (state folder, default `.milepost`),
 * MILEPOST_PORT (API and dashboard, 8080), MILEPOST_API_TOKEN (else generated
 * once and kept in MILEPOST_HOME), MILEPOST_TEMPORAL_PORT (7233),
 * MILEPOST_TEMPORAL_UI_PORT (8233), MILEPOST_DEMO=0 to skip the demo book, and
 * every setting of `milepost worker` / `milepost serve` (README, Configuration).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compilePlaybook } from '../dsl/index.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../store/embedded-postgres.ts';
import { migrate } from '../store/migrate.ts';
import { insertPlaybookVersion } from '../store/playbooks.ts';
import { createPool } from '../store/pool.ts';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../workflows/search-attributes.ts';
import { ConfigError, temporalConfig } from '../worker/config.ts';
import { seedDemoBook } from './start/demo-seed.ts';
import { startChild, type Child } from './start/children.ts';
import { provisionTemporalCli, ROOT } from './temporal/binaries.ts';
import { assertPortFree, PortInUseError, startDevServer, type DevServer } from './temporal/dev-server.ts';

const say = (line: string) => process.stdout.write(`milepost: ${line}\n`);

/** Parses a port setting, or stops with a clear message. */
function portSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`${name} must be a port number (1-65535), got '${raw}'`);
  return port;
}

/** The API token: MILEPOST_API_TOKEN, else one generated on first start and kept, so restarts keep it. */
function apiToken(env: NodeJS.ProcessEnv, home: string): { token: string; origin: string } {
  if (env.MILEPOST_API_TOKEN) return { token: env.MILEPOST_API_TOKEN, origin: 'from MILEPOST_API_TOKEN' };
  const file = join(home, 'api-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), origin: `kept in ${file}` };
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, origin: `generated, kept in ${file}` };
}

async function waitForHealth(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited during start-up; see ${child.logFile}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url}/health did not answer 200 within ${timeoutMs / 1000} s; see ${child.logFile}`);
}

/** What to stop on shutdown, in start order (stopped in reverse). */
const stack: Array<() => Promise<void>> = [];
let shuttingDown = false;

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  if (stack.length > 0) say('stopping…');
  for (const stop of stack.reverse()) await stop().catch((err) => say(`while stopping: ${String(err)}`));
  if (stack.length > 0) say('stopped');
  process.exit(code);
}

async function main(): Promise<number> {
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  const env = process.env;
  const home = resolve(ROOT, env.MILEPOST_HOME || '.milepost');
  const logs = join(home, 'logs');
  mkdirSync(logs, { recursive: true });
  const apiPort = portSetting(env, 'MILEPOST_PORT', 8080);
  const temporalPort = portSetting(env, 'MILEPOST_TEMPORAL_PORT', 7233);
  const temporalUiPort = portSetting(env, 'MILEPOST_TEMPORAL_UI_PORT', 8233);

  const onCrash = (name: string, code: number | null) => {
    say(`${name} exited unexpectedly (code ${code}); see ${join(logs, `${name}.log`)}`);
    void shutdown(1);
  };

  // Temporal: a cluster from TEMPORAL_ADDRESS, or the embedded dev server.
  const childEnv: NodeJS.ProcessEnv = { ...env };
  let temporalUi: string | null = null;
  if (env.TEMPORAL_ADDRESS) {
    say(`Temporal: ${env.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`);
  } else {
    const cli = provisionTemporalCli(say);
    if (cli.status === 'unavailable') throw new ConfigError(`cannot run the Temporal dev server: ${cli.detail}; set TEMPORAL_ADDRESS to use a running cluster`);
    await assertPortFree(temporalPort, 'the Temporal dev server; set MILEPOST_TEMPORAL_PORT');
    await assertPortFree(temporalUiPort, 'the Temporal web UI; set MILEPOST_TEMPORAL_UI_PORT');
    say(`starting the Temporal dev server on 127.0.0.1:${temporalPort} (state in ${join(home, 'temporal.db')})`);
    const server: DevServer = await startDevServer({
      dbFile: join(home, 'temporal.db'),
      port: temporalPort,
      uiPort: temporalUiPort,
      searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS,
      logFile: join(logs, 'temporal.log'),
    });
    server.onUnexpectedExit = (code) => onCrash('temporal', code);
    stack.push(() => server.stop());
    childEnv.TEMPORAL_ADDRESS = server.address;
    childEnv.TEMPORAL_NAMESPACE = server.namespace;
    childEnv.MILEPOST_SEARCH_ATTRIBUTES = '1';
    temporalUi = server.uiUrl;
  }
  await assertPortFree(apiPort, 'the API and dashboard; set MILEPOST_PORT');
  temporalConfig(childEnv); // validates every TEMPORAL_* setting before anything else starts

  // Postgres: DATABASE_URL, or embedded PGlite served on loopback.
  if (!env.DATABASE_URL) {
    say(`opening the embedded Postgres (PGlite) in ${join(home, 'pglite')}`);
    const embedded: EmbeddedPostgres = await startEmbeddedPostgres(join(home, 'pglite'));
    stack.push(() => embedded.stop());
    childEnv.DATABASE_URL = embedded.url;
  } else {
    say('Postgres: DATABASE_URL');
  }
  const pool = createPool(childEnv.DATABASE_URL!);
  try {
    const applied = await migrate(pool);
    if (applied.length > 0) say(`applied migrations: ${applied.join(', ')}`);
    for (const file of readdirSync(join(ROOT, 'playbooks')).filter((f) => f.endsWith('.yaml')).sort()) {
      const path = join(ROOT, 'playbooks', file);
      const source = readFileSync(path, 'utf8');
      const { ir, diagnostics } = compilePlaybook(source, `playbooks/${file}`);
      if (!ir) throw new ConfigError(`playbooks/${file} does not compile:\n${diagnostics.map((d) => `  ${d.message}`).join('\n')}`);
      const { version, created } = await insertPlaybookVersion(pool, { source, ir, deployedBy: 'npm start' });
      say(`playbook ${ir.playbook}: ${created ? `deployed as version ${version}` : `version ${version} already deployed`}`);
    }
  } finally {
    await pool.end();
  }

  // The worker and the API + dashboard.
  const { token, origin } = apiToken(env, home);
  const milepost = join(ROOT, 'client', 'bin', 'milepost.js');
  const worker = startChild('worker', process.execPath, [milepost, 'worker'], { env: childEnv, cwd: ROOT, logFile: join(logs, 'worker.log'), onCrash });
  stack.push(() => worker.stop());
  const api = startChild('api', process.execPath, [milepost, 'serve'], {
    env: { ...childEnv, MILEPOST_PORT: String(apiPort), MILEPOST_API_TOKEN: token },
    cwd: ROOT, logFile: join(logs, 'api.log'), onCrash,
  });
  stack.push(() => api.stop());
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitForHealth(apiUrl, api, 120_000);

  if (env.MILEPOST_DEMO !== '0') {
    const seeded = await seedDemoBook(apiUrl, token, Date.now());
    say(`demo book: ${seeded.enrolled} customers enrolled, ${seeded.alreadyEnrolled} already enrolled (${seeded.events} events of history)`);
  }

  say('ready');
  process.stdout.write(
    [
      '',
      `  Dashboard    ${apiUrl}/dashboard?token=${token}`,
      `  API          ${apiUrl}   (Authorization: Bearer ${token}; token ${origin})`,
      temporalUi ? `  Temporal UI  ${temporalUi}` : `  Temporal     ${childEnv.TEMPORAL_ADDRESS}`,
      `  Logs         ${logs}`,
      '',
      '  Ctrl-C stops everything; npm start again picks up where it left off.',
      '',
    ].join('\n'),
  );
  return new Promise<number>(() => {}); // runs until a signal
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof PortInUseError) process.stderr.write(`milepost: ${err.message}\n`);
  else process.stderr.write(`milepost: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  void shutdown(1);
});
