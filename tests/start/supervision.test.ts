/**
 * `npm start` supervises what it starts (issue 14 item 4): SIGKILL of the
 * worker or the API restarts that part and the rest stays up (on main the
 * whole stack stopped); SIGTERM to the npm process stops everything in order,
 * promptly (on main SIGINT to npm alone did nothing: the shell between npm
 * and the script swallowed it). It also publishes the stack for the CLI
 * (stack.json) and guards its embedded database (password, one opener).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { StackState } from '../../client/cli/stack.ts';
import { EmbeddedDatabaseInUseError, startEmbeddedPostgres } from '../../store/embedded-postgres.ts';
import { ROOT } from '../../scripts/temporal/binaries.ts';
import { assertPortFree } from '../../scripts/temporal/dev-server.ts';
import { freePort } from '../support/temporal.ts';

const TOKEN = 'supervision-test-token';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; output so far:\n${context()}`);
}

/** The pid of `npm start`'s child running `milepost <command>`. */
function childPid(supervisor: number, command: string): number | undefined {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(supervisor)], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes(`milepost.js ${command}`));
  return line === undefined ? undefined : Number(line.trim().split(/\s+/)[0]);
}

async function portIsFree(port: number): Promise<boolean> {
  return assertPortFree(port, 'test').then(() => true, () => false);
}

describe('npm start supervision', () => {
  const home = mkdtempSync(join(tmpdir(), 'milepost-supervise-'));
  let npm: ChildProcess | undefined;
  afterAll(() => {
    if (npm?.pid !== undefined && npm.exitCode === null) {
      try {
        process.kill(-npm.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('restarts a killed worker and API, publishes the stack, guards its database, and stops on SIGTERM to npm', async () => {
    const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), pglite: await freePort() };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MILEPOST_HOME: home,
      MILEPOST_PORT: String(ports.api),
      MILEPOST_TEMPORAL_PORT: String(ports.temporal),
      MILEPOST_TEMPORAL_UI_PORT: String(ports.ui),
      MILEPOST_PGLITE_PORT: String(ports.pglite),
      MILEPOST_API_TOKEN: TOKEN,
      MILEPOST_DEMO: '0',
    };
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
    let output = '';
    // npm start as a user runs it, without the prestart install (the test must not touch node_modules).
    npm = spawn('npm', ['start', '--silent', '--ignore-scripts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const log = () => output;
    await until('"ready"', async () => (output.includes('milepost: ready') ? true : undefined), 240_000, log);
    const api = `http://127.0.0.1:${ports.api}`;
    const healthy = async () => ((await fetch(`${api}/health`)).status === 200 ? true : undefined);

    // The published stack: what the CLI acts on, readable by the owner only.
    const stackFile = join(home, 'stack.json');
    const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as StackState;
    expect(statSync(stackFile).mode & 0o777).toBe(0o600);
    expect(stack.api).toEqual({ url: api, token: TOKEN });
    expect(stack.database.embedded).toBe(true);
    expect(stack.database.url).toContain(`127.0.0.1:${ports.pglite}/`);
    expect(stack.temporal.address).toBe(`127.0.0.1:${ports.temporal}`);

    // The worker's Temporal SDK metrics (Prometheus exporter), and the API's /metrics behind the token.
    expect(stack.metrics?.worker).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const workerMetrics = await until('worker metrics', async () => {
      const text = await (await fetch(stack.metrics!.worker)).text();
      return text.includes('temporal_') ? text : undefined;
    }, 60_000, log);
    expect(workerMetrics).toMatch(/^temporal_\w+/m);
    const apiMetrics = await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(apiMetrics.status).toBe(200);
    expect(await apiMetrics.text()).toContain('milepost_journeys');
    // JSON logs: every line of the API's log after its start-up banner is a JSON object.
    const apiLog = readFileSync(join(home, 'logs', 'api.log'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
    expect(apiLog.length).toBeGreaterThan(0);
    for (const line of apiLog) expect(() => JSON.parse(line)).not.toThrow();
    expect(apiLog.join('\n')).not.toContain(TOKEN);

    // The embedded database wants its password, and a second opener is refused.
    const noPassword = new pg.Client({ connectionString: stack.database.url.replace(/:[^:@/]+@/, ':guess@') });
    await expect(noPassword.connect()).rejects.toThrow(/password authentication failed/);
    const second = await startEmbeddedPostgres(join(home, 'pglite')).then(() => null, (err: unknown) => err);
    expect(second).toBeInstanceOf(EmbeddedDatabaseInUseError);
    expect((second as Error).message).toMatch(/already open in process \d+ \(npm start/);

    // SIGKILL the worker and the API: each comes back, the rest stays up.
    for (const part of ['worker', 'serve'] as const) {
      const name = part === 'serve' ? 'api' : 'worker';
      const pid = childPid(stack.pid, part);
      expect(pid, `${part} pid`).toBeDefined();
      process.kill(pid!, 'SIGKILL');
      await until(`${name} restarted`, async () => (output.includes(`milepost: ${name} restarted`) ? true : undefined), 60_000, log);
      expect(output).toContain(`milepost: ${name} exited unexpectedly (signal SIGKILL); restarting it in 1 s`);
      const again = await until(`a new ${part}`, async () => childPid(stack.pid, part), 30_000, log);
      expect(again).not.toBe(pid);
      await until('health after the restart', healthy, 120_000, log);
    }
    expect(npm.exitCode).toBeNull();
    // The restarted API and worker still serve and take events.
    const posted = await fetch(`${api}/health`);
    expect(await posted.json()).toMatchObject({ status: 'ok', postgres: 'ok', temporal: 'ok' });

    // SIGTERM to the npm process alone (not its group): everything stops, in order, promptly.
    const exited = new Promise<number | null>((resolve) => npm!.once('exit', (code) => resolve(code)));
    const asked = Date.now();
    process.kill(npm.pid!, 'SIGTERM');
    await until('"stopped"', async () => (output.includes('milepost: stopped') ? true : undefined), 30_000, log);
    await exited;
    expect(Date.now() - asked).toBeLessThan(30_000);
    expect(output.indexOf('milepost: stopping')).toBeLessThan(output.indexOf('milepost: stopped'));
    for (const port of Object.values(ports)) expect(await portIsFree(port), `port ${port}`).toBe(true);
    expect(existsSync(stackFile)).toBe(false);
    expect(existsSync(join(home, 'pglite.lock'))).toBe(false);
    expect(() => process.kill(stack.pid, 0)).toThrow();
  }, 600_000);
});
