/**
 * The README's first command, run the way a new user runs it (issue #7):
 * `npm start` on the embedded defaults (Temporal dev server, PGlite, worker,
 * API and dashboard, demo book), then an event through the API and its effect,
 * then Ctrl-C, then a second start that picks up where the first left off.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/temporal/binaries.ts';
import { freePort } from '../support/temporal.ts';
import { assertPortFree } from '../../scripts/temporal/dev-server.ts';
import { EMBEDDED_TEMPORAL_NICENESS, EMBEDDED_WORKER_NICENESS } from '../../scripts/start/niceness.ts';
import { demoBook } from '../../scripts/demo/demo-book.ts';

const TOKEN = 'npm-start-test-token';

interface Started {
  process: ChildProcess;
  output: () => string;
}

function npmStart(env: NodeJS.ProcessEnv): Started {
  let output = '';
  // Exactly the README's command; npm puts node_modules/.bin (Node 24) first on PATH.
  // Its own process group, like a terminal's foreground job, so that Ctrl-C
  // (SIGINT to the whole group) reaches npm and the script it runs alike.
  const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, output: () => output };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}; output so far:\n${context()}`);
}

/** Ctrl-C: SIGINT to the whole process group; resolves once Milepost says it has stopped everything. */
async function stop(started: Started): Promise<void> {
  process.kill(-started.process.pid!, 'SIGINT');
  await until('"stopped"', async () => (started.output().includes('milepost: stopped') ? true : undefined), 60_000, started.output);
}

/** The one niceness of every thread `ps` lists whose parent and command match (undefined: none, or several). */
function niceness(matches: (thread: { ppid: number; args: string }) => boolean): number | undefined {
  const out = execFileSync('ps', ['-eLo', 'ni=,ppid=,args='], { encoding: 'utf8' });
  const values = new Set<number>();
  for (const line of out.split('\n')) {
    const [ni, ppid, ...args] = line.trim().split(/\s+/);
    if (args.length > 0 && matches({ ppid: Number(ppid), args: args.join(' ') })) values.add(Number(ni));
  }
  return values.size === 1 ? [...values][0] : undefined;
}

/** The niceness of the dev server serving `port` (every thread of it, on Linux). */
const devServerNiceness = (port: number) => niceness(({ args }) => args.includes('server start-dev') && args.includes(`--port ${port} `));

/** The niceness of the journey worker `npm start` process `supervisor` runs (every thread of it). */
const workerNiceness = (supervisor: number) => niceness(({ ppid, args }) => ppid === supervisor && args.endsWith('milepost.js worker'));

/** True when nothing listens on `port` on loopback any more. */
async function portIsFree(port: number): Promise<boolean> {
  try {
    await assertPortFree(port, 'test');
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  const home = mkdtempSync(join(tmpdir(), 'milepost-start-'));
  const running: Started[] = [];
  afterAll(async () => {
    for (const started of running) {
      if (started.process.exitCode === null) {
        try {
          process.kill(-started.process.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('brings up the product with demo journeys, takes an event, stops cleanly, and restarts without enrolling twice', async () => {
    const [apiPort, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MILEPOST_HOME: home,
      MILEPOST_PORT: String(apiPort),
      MILEPOST_TEMPORAL_PORT: String(temporalPort),
      MILEPOST_TEMPORAL_UI_PORT: String(uiPort),
      MILEPOST_API_TOKEN: TOKEN,
    };
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
    delete env.MILEPOST_TEMPORAL_NICE;
    delete env.MILEPOST_WORKER_NICE;
    const api = `http://127.0.0.1:${apiPort}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const book = demoBook(Date.now());

    const first = npmStart(env);
    running.push(first);
    await until('"ready"', async () => (first.output().includes('milepost: ready') ? true : undefined), 240_000, first.output);
    expect(first.output()).toContain(`demo book: ${book.length} customers enrolled, 0 already enrolled`);
    expect(first.output()).toContain(`${api}/dashboard`);
    // The embedded dev server runs below the API's priority (issue 14: a burst's 202s come before its Temporal work).
    expect(devServerNiceness(temporalPort)).toBe(EMBEDDED_TEMPORAL_NICENESS);
    const stack = JSON.parse(readFileSync(join(home, 'stack.json'), 'utf8')) as { pid: number };
    expect(workerNiceness(stack.pid)).toBe(EMBEDDED_WORKER_NICENESS);

    // The dashboard answers with the demo journeys.
    const dashboard = await fetch(`${api}/dashboard/portfolio?token=${TOKEN}`, { headers: auth });
    expect(dashboard.status).toBe(200);
    const html = await dashboard.text();
    for (const entry of book) expect(html).toContain(`data-customer="${entry.customer.id}"`);
    // Every demo journey's report is in the read model: none is waiting for a refresh.
    const figures = await (await fetch(`${api}/figures`, { headers: auth })).json() as { journeys: number; unreported: number };
    expect(figures).toMatchObject({ journeys: book.length, unreported: 0 });

    // A complaint through the API opens an urgent task through the real workflow and worker.
    const customer = book.find((entry) => entry.playbook === 'clinic-first-year' && Date.parse(entry.contract.end) > Date.now())!;
    const complaintTasks = async () => {
      const response = await fetch(`${api}/tasks?customer=${customer.customer.id}&limit=1000`, { headers: auth });
      const { tasks } = (await response.json()) as { tasks: Array<{ source: string; title: string; priority: string; fired_at?: string; firedAt?: string }> };
      return tasks.filter((t) => t.source === 'trigger/complaint_sla/0');
    };
    // The demo history may hold complaints of its own (their tasks fired when they happened).
    const before = (await complaintTasks()).length;
    const posted = await fetch(`${api}/events`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'npm-start-complaint', customer: customer.customer.id, type: 'complaint', at: new Date().toISOString(), data: { severity: 3 } }),
    });
    expect(posted.status).toBe(202);
    const task = await until('the complaint task', async () => {
      const tasks = await complaintTasks();
      return tasks.length === before + 1 ? tasks.at(-1) : undefined;
    }, 60_000, first.output);
    expect(task.title).toBe(`Resolve complaint from ${customer.customer.name}`);
    expect(task.priority).toBe('urgent');

    await stop(first);
    // Everything it started is gone: the API, the dev server and its UI.
    for (const port of [apiPort, temporalPort, uiPort]) expect(await portIsFree(port), `port ${port}`).toBe(true);

    // Started again on the same state: nobody is enrolled twice, the task is still there once.
    const second = npmStart(env);
    running.push(second);
    await until('"ready" again', async () => (second.output().includes('milepost: ready') ? true : undefined), 240_000, second.output);
    expect(second.output()).toContain(`demo book: 0 customers enrolled, ${book.length} already enrolled`);
    expect(await complaintTasks()).toHaveLength(before + 1);
    await stop(second);
    for (const port of [apiPort, temporalPort, uiPort]) expect(await portIsFree(port), `port ${port}`).toBe(true);
  }, 600_000);
});
