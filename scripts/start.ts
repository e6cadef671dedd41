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
 *    as child processes, logging to `.milepost/logs/`, and supervises them: a
 *    child that dies is started again after a backoff (1 s doubling to 30 s
 *    while it keeps dying young), and the rest stays up; so does the dev server;
 * 6. enrols the demo book through the API (idempotent: a restart enrols nobody
 *    twice), publishes the stack in `.milepost/stack.json` (API URL and token,
 *    database address, Temporal address: what the CLI acts on, client/cli/stack.ts)
 *    and prints the URLs and the API token;
 * 7. on Ctrl-C (or SIGTERM, to this process or to the npm in front of it, or
 *    when that npm dies) stops everything in order: API, worker, Postgres,
 *    Temporal. Started again, it picks up where it left off.
 *
 * Settings (all optional): MILEPOST_HOME (state folder, default `.milepost`),
 * MILEPOST_PORT (API and dashboard, 8080), MILEPOST_API_TOKEN (else generated
 * once and kept in MILEPOST_HOME), MILEPOST_TEMPORAL_PORT (7233),
 * MILEPOST_TEMPORAL_UI_PORT (8233), MILEPOST_TEMPORAL_HTTP_PORT and
 * MILEPOST_TEMPORAL_METRICS_PORT (the dev server's other ports; random when
 * unset), MILEPOST_PGLITE_PORT (the embedded Postgres socket; random when
 * unset), MILEPOST_WORKER_METRICS_PORT (the worker's Prometheus metrics;
 * random when unset), MILEPOST_TEMPORAL_NICE and MILEPOST_WORKER_NICE (the dev
 * server's and the worker's CPU niceness, 10 each: below the API's,
 * scripts/start/niceness.ts), MILEPOST_DEMO=0 to skip the demo book, and every setting of
 * `milepost worker` / `milepost serve` (README, Configuration).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeStackState, writeStackState } from '../client/cli/stack.ts';
import { compilePlaybook } from '../dsl/index.ts';
import { templatesBeside } from '../client/files/template-files.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../store/embedded-postgres.ts';
import { migrate } from '../store/migrate.ts';
import { insertPlaybookVersion } from '../store/playbooks.ts';
import { createPool } from '../store/pool.ts';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../workflows/search-attributes.ts';
import { ConfigError, temporalConfig } from '../worker/config.ts';
import { seedDemoBook } from './start/demo-seed.ts';
import { backoffDelay, DEFAULT_BACKOFF, startChild, type Child } from './start/children.ts';
import { provisionTemporalCli, ROOT } from './temporal/binaries.ts';
import { assertPortFree, freePort, PortInUseError, startDevServer, type DevServer } from './temporal/dev-server.ts';
import { EMBEDDED_TEMPORAL_NICENESS, EMBEDDED_WORKER_NICENESS, nicedCommand, nicenessSetting } from './start/niceness.ts';

const say = (line: string) => process.stdout.write(`milepost: ${line}\n`);

/** Parses a port setting, or stops with a clear message. */
function portSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number;
function portSetting(env: NodeJS.ProcessEnv, name: string, fallback: undefined): number | undefined;
function portSetting(env: NodeJS.ProcessEnv, name: string, fallback: number | undefined): number | undefined {
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
    if (child.restarts > 2) throw new Error(`${child.name} keeps exiting during start-up; see ${child.logFile}`);
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

/**
 * Stops on Ctrl-C and SIGTERM; a second signal while stopping exits at once
 * (the children, in our process group or watching us, follow). Also stops
 * when the npm process in front of us dies: npm forwards SIGINT/SIGTERM to
 * us (the start script is `exec node ...`, so no shell sits in between and
 * swallows them), but a killed npm forwards nothing.
 */
function handleSignals(): void {
  // Ctrl-C in a terminal signals the whole process group, and npm forwards the
  // same SIGINT to us again: a repeat within a second is that echo, not a
  // person pressing Ctrl-C twice, so it must not cut the orderly stop short.
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      if (Date.now() - firstSignalAt < 1000) return;
      say(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    firstSignalAt = Date.now();
    void shutdown(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !shuttingDown) {
      say(`the process that started us (${parent}) is gone: stopping`);
      void shutdown(0);
    }
  }, 1000).unref();
}

async function main(): Promise<number> {
  handleSignals();
  const env = process.env;
  const home = resolve(ROOT, env.MILEPOST_HOME || '.milepost');
  const logs = join(home, 'logs');
  mkdirSync(logs, { recursive: true });
  const apiPort = portSetting(env, 'MILEPOST_PORT', 8080);
  const temporalPort = portSetting(env, 'MILEPOST_TEMPORAL_PORT', 7233);
  const temporalUiPort = portSetting(env, 'MILEPOST_TEMPORAL_UI_PORT', 8233);
  const temporalHttpPort = portSetting(env, 'MILEPOST_TEMPORAL_HTTP_PORT', undefined);
  const temporalMetricsPort = portSetting(env, 'MILEPOST_TEMPORAL_METRICS_PORT', undefined);
  const pglitePort = portSetting(env, 'MILEPOST_PGLITE_PORT', undefined);
  const temporalNiceness = nicenessSetting(env, 'MILEPOST_TEMPORAL_NICE', EMBEDDED_TEMPORAL_NICENESS);
  const workerNiceness = nicenessSetting(env, 'MILEPOST_WORKER_NICE', EMBEDDED_WORKER_NICENESS);
  const workerMetricsPort = portSetting(env, 'MILEPOST_WORKER_METRICS_PORT', undefined) ?? (await freePort());

  const onCrash = (name: string, exit: { code: number | null; signal: NodeJS.Signals | null }, restartInMs: number) => {
    if (shuttingDown) return;
    say(`${name} exited unexpectedly (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}); restarting it in ${restartInMs / 1000} s; see ${join(logs, `${name}.log`)}`);
  };
  const onRestart = (name: string) => say(`${name} restarted`);

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
    if (temporalHttpPort) await assertPortFree(temporalHttpPort, "the Temporal dev server's HTTP API; set MILEPOST_TEMPORAL_HTTP_PORT");
    if (temporalMetricsPort) await assertPortFree(temporalMetricsPort, "the Temporal dev server's metrics; set MILEPOST_TEMPORAL_METRICS_PORT");
    say(`starting the Temporal dev server on 127.0.0.1:${temporalPort} (state in ${join(home, 'temporal.db')}, niceness ${temporalNiceness})`);
    const server: DevServer = await startDevServer({
      dbFile: join(home, 'temporal.db'),
      port: temporalPort,
      uiPort: temporalUiPort,
      ...(temporalHttpPort ? { httpPort: temporalHttpPort } : {}),
      ...(temporalMetricsPort ? { metricsPort: temporalMetricsPort } : {}),
      searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS,
      logFile: join(logs, 'temporal.log'),
      // Below the API: when a burst of events contends for the cores, the 202s come
      // first and the Temporal work those events cause waits (they are stored), docs/benchmarks.md.
      niceness: temporalNiceness,
    });
    // The dev server is supervised like the children: restarted on the same
    // ports and SQLite file; journeys carry on where they were.
    let serverDeaths = 0;
    let serverUpSince = Date.now();
    const restartServer = (code: number | null) => {
      if (shuttingDown) return;
      serverDeaths = Date.now() - serverUpSince >= DEFAULT_BACKOFF.healthyAfterMs ? 1 : serverDeaths + 1;
      const delay = backoffDelay(DEFAULT_BACKOFF, serverDeaths);
      onCrash('temporal', { code, signal: null }, delay);
      setTimeout(() => {
        if (shuttingDown) return;
        server.restart().then(() => {
          serverUpSince = Date.now();
          onRestart('temporal');
        }, (err: unknown) => {
          say(`temporal did not come back: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
          restartServer(null);
        });
      }, delay);
    };
    server.onUnexpectedExit = restartServer;
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
    const embedded: EmbeddedPostgres = await startEmbeddedPostgres(join(home, 'pglite'), {
      owner: 'npm start',
      ...(pglitePort ? { port: pglitePort } : {}),
    });
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
      const { ir, diagnostics } = compilePlaybook(source, `playbooks/${file}`, { templates: templatesBeside(`playbooks/${file}`, ROOT) });
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
  // The children stop by themselves when this process is gone (MILEPOST_SUPERVISOR_PID).
  childEnv.MILEPOST_SUPERVISOR_PID = String(process.pid);
  await assertPortFree(workerMetricsPort, "the worker's Prometheus metrics; set MILEPOST_WORKER_METRICS_PORT");
  childEnv.MILEPOST_WORKER_METRICS_ADDRESS = `127.0.0.1:${workerMetricsPort}`;
  // Below the API, like the dev server (scripts/start/niceness.ts): what the worker does for the events
  // the API takes in waits, stored, while a burst keeps the cores busy.
  const workerCommand = nicedCommand(workerNiceness, process.execPath, [milepost, 'worker']);
  say(`starting the journey worker (niceness ${workerNiceness}) and the API on 127.0.0.1:${apiPort}`);
  const worker = startChild('worker', workerCommand.command, workerCommand.args, { env: childEnv, cwd: ROOT, logFile: join(logs, 'worker.log'), onCrash, onRestart });
  stack.push(() => worker.stop());
  const api = startChild('api', process.execPath, [milepost, 'serve'], {
    env: { ...childEnv, MILEPOST_PORT: String(apiPort), MILEPOST_API_TOKEN: token },
    cwd: ROOT, logFile: join(logs, 'api.log'), onCrash, onRestart,
  });
  stack.push(() => api.stop());
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitForHealth(apiUrl, api, 120_000);

  if (env.MILEPOST_DEMO !== '0') {
    const seeded = await seedDemoBook(apiUrl, token, Date.now());
    say(`demo book: ${seeded.enrolled} customers enrolled, ${seeded.alreadyEnrolled} already enrolled (${seeded.events} events of history)`);
  }

  writeStackState(home, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    home,
    api: { url: apiUrl, token },
    database: { url: childEnv.DATABASE_URL!, embedded: !env.DATABASE_URL },
    metrics: { api: `${apiUrl}/metrics`, worker: `http://${childEnv.MILEPOST_WORKER_METRICS_ADDRESS}/metrics` },
    temporal: {
      address: childEnv.TEMPORAL_ADDRESS!,
      namespace: childEnv.TEMPORAL_NAMESPACE ?? 'default',
      ui: temporalUi,
      searchAttributes: childEnv.MILEPOST_SEARCH_ATTRIBUTES === '1',
    },
  });
  // Withdrawn first on the way down: a command run while we stop must not find us.
  stack.push(async () => removeStackState(home));
  say(`stack published in ${join(home, 'stack.json')} (the milepost CLI acts on it)`);
  say('ready');
  process.stdout.write(
    [
      '',
      // The ?token= sign-in is gone (dash's sessions): paste a token at /sign-in.
      `  Dashboard    ${apiUrl}/dashboard   (sign in at ${apiUrl}/sign-in with the API token below, or a person's own: npx milepost user add <email> --role csm)`,
      `  API          ${apiUrl}   (Authorization: Bearer ${token}; token ${origin})`,
      temporalUi ? `  Temporal UI  ${temporalUi}` : `  Temporal     ${childEnv.TEMPORAL_ADDRESS}`,
      `  Logs         ${logs}   (JSON lines)`,
      `  Metrics      ${apiUrl}/metrics (bearer token), http://${childEnv.MILEPOST_WORKER_METRICS_ADDRESS}/metrics (worker)`,
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
