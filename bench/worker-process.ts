/**
 * A journey worker as its own process (`milepost worker`), the way `npm start`
 * runs it: its own event loop and threads, at the niceness `npm start` gives
 * it. Benchmarks that put the worker in their own process measure the API
 * competing with the worker for one event loop, which the product never does.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nicedCommand } from '../scripts/start/niceness.ts';

const MILEPOST = fileURLToPath(new URL('../client/bin/milepost.js', import.meta.url));

export interface WorkerProcess {
  /** SIGTERM (in-flight tasks finish), resolved once it has exited. */
  stop(): Promise<void>;
}

/** How long the worker may take to start polling (it migrates the database and loads its bundle first), ms. */
const START_TIMEOUT_MS = 60_000;

/** Starts `milepost worker` on `taskQueue` and resolves once it polls; rejects with its output if it exits or hangs first. */
export async function startWorkerProcess(options: {
  databaseUrl: string;
  temporal: { address: string; namespace: string };
  taskQueue: string;
  niceness: number;
}): Promise<WorkerProcess> {
  const { command, args } = nicedCommand(options.niceness, process.execPath, [MILEPOST, 'worker']);
  const child = spawn(command, args, {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      TEMPORAL_ADDRESS: options.temporal.address,
      TEMPORAL_NAMESPACE: options.temporal.namespace,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      // It stops by itself should the benchmark die without stopping it.
      MILEPOST_SUPERVISOR_PID: String(process.pid),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const hear = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
        if (output.includes('milepost worker: polling')) resolve();
      };
      child.stdout.on('data', hear);
      child.stderr.on('data', hear);
      void exited.then(() => reject(new Error(`the journey worker exited before polling:\n${output}`)));
      setTimeout(() => reject(new Error(`the journey worker did not poll within ${START_TIMEOUT_MS / 1000} s:\n${output}`)), START_TIMEOUT_MS).unref();
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
