/**
 * A worker for journeys: the prebuilt workflow bundle plus the activities,
 * polling one task queue. Used by `milepost worker`, `npm start`, the
 * simulator on Temporal and the tests, so all of them run the same code.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { JourneyActivities } from '../activities/index.ts';
import type { TemporalConfig } from './config.ts';
import { workflowBundle } from './bundle.ts';

export interface JourneyWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** `createActivities(deps)` in production; the simulator passes dry-run activities. */
  activities: JourneyActivities;
  /** Extra worker options (tuning, identity, cache size). */
  tuning?: Partial<Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'identity' | 'shutdownGraceTime'>>;
}

/** Creates (does not run) a journey worker. */
export async function createJourneyWorker(options: JourneyWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: options.activities,
    shutdownGraceTime: '10 seconds',
    ...options.tuning,
  });
}

/** Opens the worker's connection to the configured Temporal server or Temporal Cloud. */
export function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect({
    address: config.address,
    ...(config.tls ? { tls: config.tls } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  });
}
