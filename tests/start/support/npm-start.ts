/**
 * Running `npm start` from a test: on free ports, in its own state folder,
 * without the prestart install (a test must not touch node_modules), and
 * finding the children it supervises.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackState } from '../../../client/cli/stack.ts';
import { ROOT } from '../../../scripts/temporal/binaries.ts';
import { assertPortFree } from '../../../scripts/temporal/dev-server.ts';
import { freePort } from '../../support/temporal.ts';

/** Polls `probe` until it gives a value; the error names `what` and shows `context()`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; output so far:\n${context()}`);
}

/** The pid of the supervisor's child running `milepost <command>` (`worker`, `serve`) or the dev server (`temporal`). */
export function childPid(supervisor: number, command: 'worker' | 'serve' | 'temporal'): number | undefined {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(supervisor)], { encoding: 'utf8' });
  const needle = command === 'temporal' ? 'server start-dev' : `milepost.js ${command}`;
  const line = out.split('\n').find((l) => l.includes(needle));
  return line === undefined ? undefined : Number(line.trim().split(/\s+/)[0]);
}

export async function portIsFree(port: number): Promise<boolean> {
  return assertPortFree(port, 'test').then(() => true, () => false);
}

/** A running `npm start`. */
export interface NpmStart {
  npm: ChildProcess;
  output: () => string;
  ports: { api: number; temporal: number; ui: number; pglite: number };
  api: string;
  /** The published stack (after "ready"). */
  stack: () => StackState;
  /** SIGKILL to the whole process group (afterAll). */
  kill(): void;
}

/** Starts `npm start` with state in `home` and the API token `token`, and waits for "ready". */
export async function npmStart(home: string, token: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<NpmStart> {
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), pglite: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MILEPOST_HOME: home,
    MILEPOST_PORT: String(ports.api),
    MILEPOST_TEMPORAL_PORT: String(ports.temporal),
    MILEPOST_TEMPORAL_UI_PORT: String(ports.ui),
    MILEPOST_PGLITE_PORT: String(ports.pglite),
    MILEPOST_API_TOKEN: token,
    MILEPOST_DEMO: '0',
    // At their default niceness (10) the dev server and the worker would get a tenth of a core
    // whenever this run's other suites keep both cores busy; these tests are about faults, not
    // priorities (npm-start.test.ts checks the defaults).
    MILEPOST_TEMPORAL_NICE: '0',
    MILEPOST_WORKER_NICE: '0',
    ...extraEnv,
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  let output = '';
  const npm = spawn('npm', ['start', '--silent', '--ignore-scripts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started: NpmStart = {
    npm, ports, output: () => output, api: `http://127.0.0.1:${ports.api}`,
    stack: () => JSON.parse(readFileSync(join(home, 'stack.json'), 'utf8')) as StackState,
    kill() {
      if (npm.pid === undefined || npm.exitCode !== null) return;
      try {
        process.kill(-npm.pid, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
  await until('"ready"', async () => (output.includes('milepost: ready') ? true : undefined), 240_000, started.output);
  return started;
}
