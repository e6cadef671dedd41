/**
 * `milepost worker [--task-queue <name>] [--max-cached <n>]`: runs a journey
 * worker until SIGINT or SIGTERM, then drains in-flight tasks and exits.
 * Configuration comes from the environment (worker/config.ts).
 */
import { UsageError, type Command } from '../command.ts';
import { indent } from '../../temporal/cli-support.ts';
import { parseCommandLine } from '../arguments.ts';
import { stopWithSupervisor } from '../supervisor-watch.ts';

const worker: Command = {
  summary: 'run a worker that executes journeys (Temporal task queue, prebuilt workflow bundle)',
  usage: 'milepost worker [--task-queue <name>] [--max-cached <n>]   (configured by TEMPORAL_*, DATABASE_URL, SMTP_URL, MILEPOST_* variables; MILEPOST_WORKER_METRICS_ADDRESS=host:port serves the SDK\'s Prometheus metrics)',
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      'task-queue': { type: 'string' },
      'max-cached': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const maxCached = values['max-cached'] === undefined ? undefined : Number(values['max-cached']);
    if (maxCached !== undefined && (!Number.isInteger(maxCached) || maxCached < 0)) throw new UsageError('--max-cached must be a whole number');

    // Loaded here so that `milepost help` does not pay for the SDK.
    const { ConfigError, workerConfig } = await import('../../../worker/config.ts');
    const { runWorker } = await import('../../../worker/run-worker.ts');
    let config;
    try {
      config = workerConfig({ ...io.env, ...(values['task-queue'] ? { TEMPORAL_TASK_QUEUE: values['task-queue'] } : {}) });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stderr.write(`milepost worker: invalid configuration:\n${indent(err.message)}\n`);
      return 2;
    }
    const metricsAddress = io.env.MILEPOST_WORKER_METRICS_ADDRESS || undefined;
    if (metricsAddress !== undefined && !/^[^:\s]+:\d{1,5}$/.test(metricsAddress)) {
      io.stderr.write(`milepost worker: MILEPOST_WORKER_METRICS_ADDRESS must be host:port, got '${metricsAddress}'\n`);
      return 2;
    }
    const { createLogger } = await import('../../observability/logger.ts');
    const { installWorkerTelemetry } = await import('../../observability/worker-telemetry.ts');
    installWorkerTelemetry(createLogger('worker', io.env, io.stdout), metricsAddress);
    if (metricsAddress !== undefined) io.stdout.write(`milepost worker: Temporal SDK metrics on http://${metricsAddress}/metrics\n`);
    stopWithSupervisor(io.env);
    return runWorker(config, { io, ...(maxCached === undefined ? {} : { maxCachedWorkflows: maxCached }) });
  },
};

export default worker;
