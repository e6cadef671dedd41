/**
 * The worker's observability (issue 14 item 5): the Temporal SDK's own
 * metrics (workflow and activity task latencies, activity failures, poller
 * and slot gauges, sticky cache hits) through its Runtime telemetry with a
 * Prometheus exporter, and every SDK log (activity failures, worker
 * lifecycle, workflow `log` calls, the outbox's send lines) as the same pino
 * JSON as the API's. Must run before the worker's first connection: the SDK
 * installs its Runtime once per process.
 */
import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogEntry } from '@temporalio/worker';
import type { Logger } from 'pino';

/** Installs the SDK Runtime for a worker process; `metricsAddress` (`host:port`) serves `/metrics` when given. */
export function installWorkerTelemetry(logger: Logger, metricsAddress: string | undefined): void {
  const toPino = (entry: LogEntry) => {
    const level = entry.level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    const { sdkComponent, ...meta } = (entry.meta ?? {}) as Record<string, unknown>;
    logger[level]({ ...meta, ...(sdkComponent === undefined ? {} : { sdk: sdkComponent }) }, entry.message);
  };
  Runtime.install({
    logger: new DefaultLogger('INFO', toPino),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(metricsAddress === undefined ? {} : { metrics: { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true } } }),
    },
  });
}
