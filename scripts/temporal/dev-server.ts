/**
 * Runs the Temporal CLI's dev server (`temporal server start-dev`): the
 * embedded default of `npm start`, and the server of the tests that need
 * visibility, real time or a restart on the same SQLite file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { isNiceness, nicedCommand } from '../start/niceness.ts';
import { temporalCliPath } from './binaries.ts';

export interface DevServer {
  /** `host:port` of the frontend gRPC service. */
  address: string;
  namespace: string;
  /** The web UI's URL, when it is served. */
  uiUrl: string | null;
  /** Stops the server process (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Stops and starts the server again on the same ports and SQLite file. */
  restart(): Promise<void>;
  /** Called with the exit code when the server exits without being asked to. */
  onUnexpectedExit?: (code: number | null) => void;
}

export interface DevServerOptions {
  /** SQLite file that keeps the server's state across restarts; in memory when absent. */
  dbFile?: string;
  /** Search attributes to register, as `Name=Type` (Keyword, KeywordList, Int, ...). */
  searchAttributes?: string[];
  namespace?: string;
  /** Frontend port; a free one when absent. */
  port?: number;
  /** Serve Temporal's web UI on this port (headless when absent). */
  uiPort?: number;
  /** Port of the server's HTTP API (a random free one when absent). */
  httpPort?: number;
  /** Port of the server's Prometheus `/metrics` (a random free one when absent). */
  metricsPort?: number;
  /** Append the server's own output to this file (discarded when absent). */
  logFile?: string;
  /** Dynamic config values (`--dynamic-config-value KEY=<JSON>`), e.g. `{ 'history.timerProcessorMaxTimeShift': '10ms' }`. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /**
   * Run the server at this CPU niceness (1-19, through `nice`; every thread
   * of the Go process inherits it), so that on a shared machine the processes
   * in front of it come first when the cores are contended. Absent or 0: the
   * caller's own.
   */
  niceness?: number;
}

/** Starts the dev server on loopback and resolves once its namespace answers. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = temporalCliPath();
  if (!existsSync(cli)) throw new Error(`Temporal CLI not found at ${cli}: run 'npm run provision'`);
  if (options.niceness !== undefined && !isNiceness(options.niceness)) {
    throw new RangeError(`the dev server's niceness must be an integer from 0 to 19, got ${options.niceness}`);
  }
  if (options.port !== undefined) await assertPortFree(options.port, 'the Temporal dev server');
  if (options.uiPort !== undefined) await assertPortFree(options.uiPort, "the Temporal dev server's web UI");
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.httpPort) args.push('--http-port', String(options.httpPort));
  if (options.metricsPort) args.push('--metrics-port', String(options.metricsPort));
  for (const attribute of options.searchAttributes ?? []) args.push('--search-attribute', attribute);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  const address = `127.0.0.1:${port}`;

  let child: ChildProcess | undefined;
  let stopping = false;
  const server: DevServer = {
    address,
    namespace,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    stop: async () => {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      stopping = true;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      stopping = false;
    },
    restart: async () => {
      await server.stop();
      await launch();
    },
  };
  const launch = async () => {
    const command = nicedCommand(options.niceness, cli, args);
    const spawned = spawn(command.command, command.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = spawned;
    let tail = '';
    const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
    spawned.stdout?.on('data', keep);
    spawned.stderr?.on('data', keep);
    if (options.logFile) {
      const log = createWriteStream(options.logFile, { flags: 'a' });
      spawned.stdout?.pipe(log);
      spawned.stderr?.pipe(log);
    }
    spawned.once('exit', (code) => {
      if (!stopping && child === spawned) server.onUnexpectedExit?.(code);
    });
    await waitUntilServing(address, namespace, spawned, () => tail);
  };
  await launch();
  return server;
}

/** Polls until the namespace is usable: the frontend answers before the namespace exists. */
async function waitUntilServing(address: string, namespace: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}: ${output()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        // Whoever answered, it must be our server, not another one on the port.
        if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}: ${output()}`);
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

/** Fails with a clear message when `port` on loopback is taken, before anything is started on it. */
export function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', () => reject(new PortInUseError(`port ${port} (for ${what}) is already in use; stop what holds it or choose another port`)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** A port that must be free is taken. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
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
