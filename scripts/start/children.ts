/**
 * The long-running parts `npm start` runs as child processes (the worker, the
 * API server), supervised: started with their output in a log file; when one
 * dies without being asked to, it is started again after a backoff and the
 * rest of the stack stays up (issue 14); on shutdown each is stopped in turn.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/** Restart delays: doubling from `initialMs` up to `maxMs` while a child keeps dying young. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A child that ran this long before dying was healthy: its next restart waits `initialMs` again. */
  healthyAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000, healthyAfterMs: 60_000 };

/** The delay before restart number `attempt` (1, 2, ...) of a child dying young. */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt - 1));
}

export interface Child {
  name: string;
  /** The process running now (a new one after each restart). */
  readonly process: ChildProcess;
  logFile: string;
  /** How many times it was restarted. */
  readonly restarts: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. No restart follows. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  /** Hears each unexpected exit and the delay before the restart (for the supervisor's own log line). */
  onCrash: (name: string, exit: { code: number | null; signal: NodeJS.Signals | null }, restartInMs: number, restarts: number) => void;
  /** Hears each restart, with the new process. */
  onRestart?: (name: string, process: ChildProcess) => void;
  backoff?: Backoff;
}

/**
 * Starts `command args` with `env`, appending its output to `logFile`, and
 * keeps it running: an exit that {@link Child.stop} did not ask for is logged
 * (in the child's log and through `onCrash`) and followed by a restart after
 * the backoff.
 */
export function startChild(name: string, command: string, args: string[], options: ChildOptions): Child {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  const note = (line: string) => log.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), supervisor: 'npm start', child: name, msg: line })}\n`);
  let stopping = false;
  let restarts = 0;
  let youngDeaths = 0;
  let pending: NodeJS.Timeout | undefined;
  let current: ChildProcess;

  const launch = () => {
    const startedAt = Date.now();
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    // A spawn failure (ENOENT, EMFILE) is an exit too: retried with the same backoff.
    child.once('error', (err) => note(`could not start: ${err.message}`));
    child.once('exit', (code, signal) => {
      if (stopping) return;
      youngDeaths = Date.now() - startedAt >= backoff.healthyAfterMs ? 1 : youngDeaths + 1;
      const delay = backoffDelay(backoff, youngDeaths);
      note(`exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); restarting in ${delay} ms`);
      options.onCrash(name, { code, signal }, delay, restarts);
      pending = setTimeout(() => {
        pending = undefined;
        if (stopping) return;
        restarts += 1;
        launch();
        options.onRestart?.(name, current);
      }, delay);
    });
  };
  launch();

  return {
    name,
    get process() {
      return current;
    },
    logFile: options.logFile,
    get restarts() {
      return restarts;
    },
    async stop(graceMs = 10_000) {
      stopping = true;
      if (pending) clearTimeout(pending);
      const child = current;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}
