/**
 * The four Temporal services as separate processes of one binary
 * (`temporal-server --config-file <yaml> --allow-no-auth start --service <name>`),
 * as on four hosts: each can be killed, restarted or upgraded on its own.
 * Output goes to `<state>/logs/<service>.log`; pids to `<state>/services.json`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { ServiceName } from './config.ts';

export type ServicePids = Partial<Record<ServiceName, number>>;

const pidsFile = (dir: string) => join(dir, 'services.json');

export function readServicePids(dir: string): ServicePids {
  return existsSync(pidsFile(dir)) ? (JSON.parse(readFileSync(pidsFile(dir), 'utf8')) as ServicePids) : {};
}

function writeServicePids(dir: string, pids: ServicePids): void {
  if (Object.keys(pids).length === 0) rmSync(pidsFile(dir), { force: true });
  else writeFileSync(pidsFile(dir), JSON.stringify(pids, null, 2) + '\n');
}

/** Whether a process with this pid runs (and is not a zombie we could reap). */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\S+\s+\S+\s+Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x'));
  } catch {
    return true;
  }
}

/**
 * Starts one service, detached into its own process group so that it
 * outlives `npm run cluster`, unless it already runs. Returns its pid.
 */
export function startService(dir: string, server: string, configFile: string, name: ServiceName): number {
  const pids = readServicePids(dir);
  if (isAlive(pids[name])) return pids[name]!;
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const log = openSync(join(dir, 'logs', `${name}.log`), 'a');
  const child = spawn(server, ['--config-file', configFile, '--allow-no-auth', 'start', '--service', name], {
    detached: true, stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  pids[name] = child.pid!;
  writeServicePids(dir, pids);
  return child.pid!;
}

/**
 * Stops one service: SIGTERM (Temporal drains and leaves the membership
 * ring), SIGKILL after `graceMs`; `signal: 'SIGKILL'` kills at once, as a
 * host crash would.
 */
export async function stopService(dir: string, name: ServiceName, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 15_000): Promise<void> {
  const pids = readServicePids(dir);
  const pid = pids[name];
  if (isAlive(pid)) {
    process.kill(pid!, signal);
    const deadline = Date.now() + graceMs;
    while (isAlive(pid)) {
      if (Date.now() > deadline) process.kill(pid!, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  delete pids[name];
  writeServicePids(dir, pids);
}

/** The last lines of a service's log, for error messages. */
export function serviceLogTail(dir: string, name: ServiceName, lines = 20): string {
  const file = join(dir, 'logs', `${name}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
}

/**
 * Waits until the frontend serves requests that need history and matching
 * too: describing the system namespace reads persistence through the
 * frontend; a namespace listing needs the cluster to be formed.
 */
export async function waitForFrontend(address: string, timeoutMs: number, alive: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const dead = alive();
    if (dead) throw new Error(dead);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'temporal-system' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`the Temporal frontend at ${address} did not answer in ${timeoutMs / 1000} s: ${String(lastError)}`);
}
