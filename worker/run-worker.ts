/**
 * Runs a journey worker as a process: migrate the store, connect, poll the
 * task queue, and on SIGINT/SIGTERM stop polling, let in-flight tasks finish
 * (up to the shutdown grace time) and close the pool. Used by
 * `milepost worker` and `npm start`.
 */
import type { CommandIO } from '../client/cli/command.ts';
import { createActivities } from '../activities/index.ts';
import { migrate } from '../store/migrate.ts';
import { activityDeps } from './activity-deps.ts';
import type { WorkerConfig } from './config.ts';
import { connectWorker, createJourneyWorker } from './journey-worker.ts';

export interface RunWorkerOptions {
  io: Pick<CommandIO, 'stdout' | 'stderr'>;
  maxCachedWorkflows?: number;
  /** Stop on this signal instead of the process's SIGINT/SIGTERM (tests). */
  stop?: AbortSignal;
}

/** Runs until stopped; returns the exit code (0 after a graceful stop). */
export async function runWorker(config: WorkerConfig, options: RunWorkerOptions): Promise<number> {
  const { io } = options;
  const deps = activityDeps(config);
  try {
    // Step 1: the tables the activities write must exist.
    await migrate(deps.pool);
    // Step 2: connect to the Temporal cluster, Temporal Cloud or the dev server.
    const connection = await connectWorker(config.temporal);
    try {
      // Step 3: the prebuilt bundle plus activities bound to real dependencies.
      const worker = await createJourneyWorker({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        activities: createActivities(deps),
        ...(options.maxCachedWorkflows === undefined ? {} : { tuning: { maxCachedWorkflows: options.maxCachedWorkflows } }),
      });
      // Step 4: stop gracefully on a signal: no new tasks, in-flight ones finish.
      const stop = () => {
        if (worker.getState() === 'RUNNING') {
          io.stderr.write('milepost worker: stopping (finishing in-flight tasks)\n');
          worker.shutdown();
        }
      };
      const signals = ['SIGINT', 'SIGTERM'] as const;
      if (options.stop) options.stop.addEventListener('abort', stop, { once: true });
      else for (const s of signals) process.on(s, stop);
      io.stdout.write(`milepost worker: polling task queue '${config.temporal.taskQueue}' on ${config.temporal.address} (namespace ${config.temporal.namespace})\n`);
      try {
        await worker.run();
      } finally {
        for (const s of signals) process.off(s, stop);
      }
      io.stdout.write('milepost worker: stopped\n');
      return 0;
    } finally {
      await connection.close();
    }
  } catch (err) {
    io.stderr.write(`milepost worker: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await deps.close();
  }
}
