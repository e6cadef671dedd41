/**
 * `npm start` supervises what it starts (issue 14 item 4): SIGKILL of the
 * worker or the API restarts that part and the rest stays up (on main the
 * whole stack stopped); SIGTERM to the npm process stops everything in order,
 * promptly (on main SIGINT to npm alone did nothing: the shell between npm
 * and the script swallowed it). It also publishes the stack for the CLI
 * (stack.json) and guards its embedded database (password, one opener).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseInUseError, startEmbeddedPostgres } from '../../store/embedded-postgres.ts';
import { childPid, npmStart, portIsFree, until, type NpmStart } from './support/npm-start.ts';

const TOKEN = 'supervision-test-token';

describe('npm start supervision', () => {
  const home = mkdtempSync(join(tmpdir(), 'milepost-supervise-'));
  let started: NpmStart | undefined;
  afterAll(() => {
    started?.kill();
    rmSync(home, { recursive: true, force: true });
  });

  it('restarts a killed worker and API, publishes the stack, guards its database, and stops on SIGTERM to npm', async () => {
    started = await npmStart(home, TOKEN);
    const { npm, ports, api } = started;
    const log = started.output;
    const healthy = async () => ((await fetch(`${api}/health`)).status === 200 ? true : undefined);

    // The published stack: what the CLI acts on, readable by the owner only.
    const stackFile = join(home, 'stack.json');
    const stack = started.stack();
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
      await until(`${name} restarted`, async () => (log().includes(`milepost: ${name} restarted`) ? true : undefined), 60_000, log);
      expect(log()).toContain(`milepost: ${name} exited unexpectedly (signal SIGKILL); restarting it in 1 s`);
      const again = await until(`a new ${part}`, async () => childPid(stack.pid, part), 30_000, log);
      expect(again).not.toBe(pid);
      await until('health after the restart', healthy, 120_000, log);
    }
    expect(npm.exitCode).toBeNull();
    // The restarted API and worker still serve and take events.
    const posted = await fetch(`${api}/health`);
    expect(await posted.json()).toMatchObject({ status: 'ok', postgres: 'ok', temporal: 'ok' });

    // SIGTERM to the npm process alone (not its group): everything stops, in order, promptly.
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const asked = Date.now();
    process.kill(npm.pid!, 'SIGTERM');
    await until('"stopped"', async () => (log().includes('milepost: stopped') ? true : undefined), 30_000, log);
    await exited;
    expect(Date.now() - asked).toBeLessThan(30_000);
    expect(log().indexOf('milepost: stopping')).toBeLessThan(log().indexOf('milepost: stopped'));
    for (const port of Object.values(ports)) expect(await portIsFree(port), `port ${port}`).toBe(true);
    expect(existsSync(stackFile)).toBe(false);
    expect(existsSync(join(home, 'pglite.lock'))).toBe(false);
    expect(() => process.kill(stack.pid, 0)).toThrow();
  }, 600_000);
});
