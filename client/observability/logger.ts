/**
 * Structured logs for every Milepost process (issue 14 item 5): one JSON
 * object per line (pino), with a level, an ISO time and the component
 * (`api`, `worker`), and no secrets:
 *
 * - the `token` query parameter of a URL (the dashboard's sign-in link) is
 *   replaced by `[redacted]`, and so is a password in a `postgres://` URL;
 * - `Authorization` and `Cookie` request headers, `Set-Cookie` answers and any
 *   `token`, `password` or `apiKey` field are censored.
 *
 * The level comes from `MILEPOST_LOG_LEVEL` (`trace` … `fatal`, `silent`;
 * default `info`). Request logs are on by default (`MILEPOST_LOG=0` turns
 * them off; `MILEPOST_LOG=1` was the old way to turn them on).
 */
import pino, { type Logger, type LoggerOptions } from 'pino';

/** The levels `MILEPOST_LOG_LEVEL` may name. */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Fields censored wherever pino finds them. */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  'token', '*.token', 'password', '*.password', 'apiKey', '*.apiKey', 'databaseUrl', '*.databaseUrl',
];

/** `url` with the value of every `token` query parameter and any URL password replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&](?:token|access_token|api_key)=)[^&#]*/gi, '$1[redacted]')
    .replace(/(\/\/[^:/@\s]+:)[^@/\s]+@/g, '$1[redacted]@');
}

/** The log level for `env`; a wrong `MILEPOST_LOG_LEVEL` is a configuration error (thrown). */
export function logLevel(env: NodeJS.ProcessEnv): (typeof LEVELS)[number] {
  const level = env.MILEPOST_LOG_LEVEL ?? 'info';
  if (!(LEVELS as readonly string[]).includes(level)) throw new Error(`MILEPOST_LOG_LEVEL must be one of ${LEVELS.join(', ')}, got '${level}'`);
  return level as (typeof LEVELS)[number];
}

/** Whether the API logs each request (on unless `MILEPOST_LOG=0`). */
export function requestLogsOn(env: NodeJS.ProcessEnv): boolean {
  return env.MILEPOST_LOG !== '0';
}

/** pino options for `component` (also what Fastify's request logger is built from). */
export function loggerOptions(component: string, env: NodeJS.ProcessEnv): LoggerOptions {
  return {
    level: logLevel(env),
    base: { component, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      // Fastify's request: method, the URL without secrets, route and peer; never the headers.
      req: (req: { method?: string; url?: string; routeOptions?: { url?: string }; ip?: string; socket?: { remoteAddress?: string } }) => ({
        method: req.method,
        url: redactUrl(req.url ?? ''),
        ...(req.routeOptions?.url ? { route: req.routeOptions.url } : {}),
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** A logger for `component` writing JSON lines to `destination` (stdout by default). */
export function createLogger(component: string, env: NodeJS.ProcessEnv, destination?: pino.DestinationStream): Logger {
  return destination === undefined ? pino(loggerOptions(component, env)) : pino(loggerOptions(component, env), destination);
}
