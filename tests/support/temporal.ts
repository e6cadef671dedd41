/**
 * Real Temporal servers for tests.
 *
 * - {@link startTimeSkippingEnv}: Temporal's time-skipping test server (Java),
 *   so a year-long journey runs in seconds. Skipped time is global to one
 *   server, so every test file (or concurrently running test) gets its own.
 * - {@link startDevServer}: the Temporal CLI's dev server on a SQLite file, for
 *   tests that need visibility (list/search attributes), real time, or a server
 *   restart on the same file.
 *
 * Both binaries come from `scripts/provision.ts` (run by `npm test`'s pretest).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCliPath, testServerPath } from '../../scripts/temporal/binaries.ts';

/**
 * Starts a time-skipping test environment on the locally provisioned test
 * server, falling back to the SDK's own download where it is missing.
 * Call `teardown()` when done.
 */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = testServerPath();
  if (!existsSync(path)) {
    return TestWorkflowEnvironment.createTimeSkipping();
  }
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
}

export interface DevServer {
  /** `host:port` of the frontend gRPC service. */
  address: string;
  namespace: string;
  /** Stops the server process (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Stops and starts the server again on the same port and SQLite file. */
  restart(): Promise<void>;
}

export interface DevServerOptions {
  /** SQLite file that keeps the server's state across restarts; in memory when absent. */
  dbFile?: string;
  /** Search attributes to register, as `Name=Type` (Keyword, Text, Int, Double, Bool, Datetime, KeywordList). */
  searchAttributes?: string[];
  namespace?: string;
  /** Serve Temporal's web UI on this port (headless when absent). */
  uiPort?: number;
}

/** Starts `temporal server start-dev` on a free loopback port and waits until it answers. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = temporalCliPath();
  if (!existsSync(cli)) throw new Error(`Temporal CLI not found at ${cli}: run 'npm run provision'`);
  const port = await freePort();
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'error'];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  for (const attribute of options.searchAttributes ?? []) args.push('--search-attribute', attribute);
  const address = `127.0.0.1:${port}`;

  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    await waitUntilServing(address, namespace, child, () => stderr);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  return { address, namespace, stop, restart: async () => { await stop(); await launch(); } };
}

/** Polls the server until the namespace is usable: the frontend answers before the namespace exists. */
async function waitUntilServing(address: string, namespace: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}: ${stderr()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`temporal dev server at ${address} did not become ready in 60 s: ${String(lastError)}`);
}

/** Asks the OS for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
