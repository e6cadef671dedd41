/**
 * `milepost serve`: the HTTP API and the managers' dashboard.
 *
 * Postgres from `DATABASE_URL` (embedded PGlite under `.milepost/` when
 * unset), Temporal from the `TEMPORAL_*` settings (worker/config.ts), the
 * port from `MILEPOST_PORT` (default 8080), the token from
 * `MILEPOST_API_TOKEN` (a random one is generated and printed when unset).
 */
import { randomBytes } from 'node:crypto';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { buildApiServer } from '../../api/server.ts';
import { AuthConfigError, authProxyFromEnv } from '../../api/auth.ts';
import { connectClient } from '../../temporal/connect.ts';
import { createJourneyGateway } from '../../temporal/journey-gateway.ts';
import { ConfigError, metricFeedConfig, temporalConfig } from '../../../worker/config.ts';
import { openDatabase } from '../../../store/database.ts';
import { parseCommandLine } from '../arguments.ts';
import { stopWithSupervisor } from '../supervisor-watch.ts';
import { createLogger, logLevel, requestLogsOn } from '../../observability/logger.ts';
import { ApiMetrics } from '../../observability/metrics.ts';

const serve: Command = {
  summary: 'run the HTTP API and the dashboard',
  usage: 'milepost serve [--host <address>]   (env: MILEPOST_PORT, MILEPOST_API_TOKEN, DATABASE_URL, TEMPORAL_*, MILEPOST_METRIC_EVENTS, MILEPOST_METRIC_PULL_HOURS, MILEPOST_LOG_LEVEL, MILEPOST_LOG=0)',
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { host: { type: 'string', default: '127.0.0.1' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const host = values.host;
    const port = Number(io.env.MILEPOST_PORT ?? 8080);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`MILEPOST_PORT must be a port number, got '${io.env.MILEPOST_PORT}'`);
    let temporal;
    let metrics;
    let authProxy;
    try {
      temporal = temporalConfig(io.env);
      metrics = metricFeedConfig(io.env);
      authProxy = authProxyFromEnv(io.env);
    } catch (err) {
      if (err instanceof ConfigError || err instanceof AuthConfigError) { io.stderr.write(`milepost serve: ${err.message}\n`); return 2; }
      throw err;
    }
    let logger;
    try {
      // Request logs are info lines: MILEPOST_LOG=0 keeps warnings and errors only.
      logger = createLogger('api', { ...io.env, MILEPOST_LOG_LEVEL: requestLogsOn(io.env) ? logLevel(io.env) : 'warn' }, io.stdout);
    } catch (err) {
      io.stderr.write(`milepost serve: ${(err as Error).message}\n`);
      return 2;
    }
    const token = io.env.MILEPOST_API_TOKEN || randomBytes(24).toString('base64url');
    let connection;
    try {
      connection = await connectClient(temporal);
    } catch (err) {
      io.stderr.write(`milepost serve: cannot reach Temporal at ${temporal.address}: ${(err as Error).message}\n(start one with 'temporal server start-dev', or use 'npm start')\n`);
      return 2;
    }
    let database;
    try {
      database = await openDatabase(io.env, io.cwd);
    } catch (err) {
      await connection.close();
      io.stderr.write(`milepost serve: cannot open the database: ${(err as Error).message}\n`);
      return 2;
    }
    const gateway = createJourneyGateway({ client: connection.client, taskQueue: temporal.taskQueue, searchAttributes: temporal.searchAttributes });
    const clock = () => Date.now();
    // The backlog is read through the server's own delivery loop, built with it.
    let backlog: () => Promise<{ waiting: number; lagMs: number }> = async () => ({ waiting: 0, lagMs: 0 });
    const observability = new ApiMetrics({ pool: database.pool, backlog: () => backlog() });
    const app = buildApiServer({
      pool: database.pool, gateway, token, clock, authProxy, logger, observability, ...(metrics === undefined ? {} : { metrics }),
      temporalHealth: async () => { await connection.client.connection.workflowService.describeNamespace({ namespace: temporal.namespace }); },
    });
    backlog = () => app.deliveries.backlog();
    if (database.applied.length > 0) logger.info({ migrations: database.applied }, 'migrations applied');
    const address = await app.listen({ port, host });
    stopWithSupervisor(io.env);
    io.stdout.write(`milepost serve: listening on ${address} (database: ${database.description}; temporal: ${temporal.address}/${temporal.namespace})\n`);
    io.stdout.write(io.env.MILEPOST_API_TOKEN ? 'milepost serve: API token from MILEPOST_API_TOKEN\n' : `milepost serve: API token (generated): ${token}\n`);
    io.stdout.write(`milepost serve: dashboard at ${address}/dashboard (sign in with a personal token from milepost user add, or the API token)\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    io.stdout.write('milepost serve: stopping\n');
    await app.close();
    await connection.close();
    await database.close();
    return 0;
  },
};

export default serve;
