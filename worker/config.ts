/**
 * Worker configuration from the environment, validated with zod so a
 * misconfigured worker stops at start with one clear line per problem
 * instead of failing on its first activity. `npm start` reuses it.
 *
 * | variable | meaning | default |
 * | --- | --- | --- |
 * | TEMPORAL_ADDRESS | `host:port` of the Temporal frontend | `127.0.0.1:7233` |
 * | TEMPORAL_NAMESPACE | namespace | `default` |
 * | TEMPORAL_API_KEY | Temporal Cloud API key (implies TLS) | none |
 * | TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY | client certificate and key files (mTLS) | none |
 * | TEMPORAL_TLS_CA | server CA file | system roots |
 * | TEMPORAL_TASK_QUEUE | task queue of journey workflows and activities | `milepost-journeys` |
 * | DATABASE_URL | Postgres URL | required for the worker |
 * | SMTP_URL | e.g. `smtp://user:pass@host:587`; unset keeps email in the outbox | none |
 * | MILEPOST_MAIL_FROM | `From:` of Milepost's email | `milepost@localhost` |
 * | MILEPOST_PUBLIC_URL | where people reach the dashboard; emails link to the customer's page under it | none (no link) |
 * | MILEPOST_WEBHOOK_SECRET | HMAC key for webhook signatures (16+ chars) | none (unsigned) |
 * | MILEPOST_WEBHOOK_URLS | `name=url,name=url` endpoints of `webhook:` actions | none |
 * | MILEPOST_SLACK_WEBHOOK_URL | Slack incoming webhook for `channel: slack` | none |
 * | MILEPOST_MAX_DELIVERY_ATTEMPTS | sends before a message is recorded failed | 5 |
 * | MILEPOST_SEARCH_ATTRIBUTES | `1` when Milepost's search attributes are registered | `0` |
 * | MILEPOST_METRIC_EVENTS | (`milepost serve`) event types journeys pull instead of receiving signals | none |
 * | MILEPOST_METRIC_PULL_HOURS | (`milepost serve`) the longest a journey goes without pulling them | 24 |
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const url = (protocols: string[], what: string) =>
  z.string({ error: `required: a ${what} URL (${protocols.join(' or ')}//...)` }).trim().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a ${what} URL (${protocols.join(' or ')})`);

const webhookUrls = z.string().trim().transform((value, ctx) => {
  const out: Record<string, string> = {};
  for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const target = pair.slice(eq + 1).trim();
    if (eq <= 0 || !/^https?:\/\//.test(target)) {
      ctx.addIssue({ code: 'custom', message: `'${pair}' is not name=http(s)://url` });
      return z.NEVER;
    }
    out[name] = target;
  }
  return out;
});

/** The Temporal connection part, shared by the worker and every client command. */
export const TemporalEnv = z.object({
  TEMPORAL_ADDRESS: z.string().trim().regex(/^[^\s:]+:\d+$/, 'must be host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_API_KEY: z.string().trim().min(1).optional(),
  TEMPORAL_TLS_CERT: z.string().trim().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().trim().min(1).optional(),
  TEMPORAL_TLS_CA: z.string().trim().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('milepost-journeys'),
  MILEPOST_SEARCH_ATTRIBUTES: z.enum(['0', '1', 'true', 'false']).default('0').transform((v) => v === '1' || v === 'true'),
}).refine((env) => (env.TEMPORAL_TLS_CERT === undefined) === (env.TEMPORAL_TLS_KEY === undefined), {
  message: 'set both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, or neither',
  path: ['TEMPORAL_TLS_KEY'],
});

export const WorkerEnv = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'Postgres'),
  SMTP_URL: url(['smtp:', 'smtps:'], 'SMTP').optional(),
  MILEPOST_MAIL_FROM: z.string().trim().min(3).default('milepost@localhost'),
  MILEPOST_PUBLIC_URL: url(['https:', 'http:'], 'HTTP(S)').optional(),
  MILEPOST_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MILEPOST_WEBHOOK_URLS: webhookUrls.optional(),
  MILEPOST_SLACK_WEBHOOK_URL: url(['https:', 'http:'], 'HTTP(S)').optional(),
  MILEPOST_MAX_DELIVERY_ATTEMPTS: z.coerce.number({ error: 'must be a whole number from 1 to 50' }).int().min(1).max(50).default(5),
});

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey: string | undefined;
  /** TLS settings, or `undefined` for a plain connection (the dev server). */
  tls: { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer } | undefined;
  searchAttributes: boolean;
}

export interface WorkerConfig {
  temporal: TemporalConfig;
  databaseUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Base URL of the dashboard for links in emails (MILEPOST_PUBLIC_URL). */
  publicUrl: string | undefined;
  webhookSecret: string | undefined;
  webhookUrls: Record<string, string>;
  slackWebhookUrl: string | undefined;
  maxDeliveryAttempts: number;
}

/** A configuration problem, with every issue as `VARIABLE: message` lines. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function fail(error: z.ZodError): never {
  throw new ConfigError(error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`).join('\n'));
}

/** Reads the Temporal connection settings (also for client commands). */
export function temporalConfig(env: NodeJS.ProcessEnv): TemporalConfig {
  const parsed = TemporalEnv.safeParse(env);
  if (!parsed.success) fail(parsed.error);
  const e = parsed.data;
  const read = (name: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`${name}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const crt = read('TEMPORAL_TLS_CERT', e.TEMPORAL_TLS_CERT);
  const key = read('TEMPORAL_TLS_KEY', e.TEMPORAL_TLS_KEY);
  const ca = read('TEMPORAL_TLS_CA', e.TEMPORAL_TLS_CA);
  const useTls = e.TEMPORAL_API_KEY !== undefined || crt !== undefined || ca !== undefined;
  return {
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    apiKey: e.TEMPORAL_API_KEY,
    tls: useTls ? { ...(crt && key ? { clientCertPair: { crt, key } } : {}), ...(ca ? { serverRootCACertificate: ca } : {}) } : undefined,
    searchAttributes: e.MILEPOST_SEARCH_ATTRIBUTES,
  };
}

/** Reads and validates the whole worker configuration; throws {@link ConfigError}. */
export function workerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const problems: string[] = [];
  let temporal: TemporalConfig | undefined;
  try {
    temporal = temporalConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message);
  }
  const parsed = WorkerEnv.safeParse(env);
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  if (problems.length > 0 || !parsed.success || temporal === undefined) throw new ConfigError(problems.join('\n'));
  const e = parsed.data;
  return {
    temporal,
    databaseUrl: e.DATABASE_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MILEPOST_MAIL_FROM,
    publicUrl: e.MILEPOST_PUBLIC_URL,
    webhookSecret: e.MILEPOST_WEBHOOK_SECRET,
    webhookUrls: e.MILEPOST_WEBHOOK_URLS ?? {},
    slackWebhookUrl: e.MILEPOST_SLACK_WEBHOOK_URL,
    maxDeliveryAttempts: e.MILEPOST_MAX_DELIVERY_ATTEMPTS,
  };
}

/**
 * The API's metric feed settings (workflows/metric-feed.ts):
 * `MILEPOST_METRIC_EVENTS`, event type names separated by commas (none by
 * default: every event is signalled), and `MILEPOST_METRIC_PULL_HOURS`, the
 * longest a journey goes without pulling them (24 by default).
 */
export const MetricFeedEnv = z.object({
  MILEPOST_METRIC_EVENTS: z.string().trim().default('').transform((value, ctx) => {
    const types = value.split(',').map((t) => t.trim()).filter(Boolean);
    const bad = types.find((t) => !/^[a-z][a-z0-9_]*$/.test(t));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `'${bad}' is not an event type name ([a-z][a-z0-9_]*); list them separated by commas` });
      return z.NEVER;
    }
    return [...new Set(types)];
  }),
  MILEPOST_METRIC_PULL_HOURS: z.coerce.number({ error: 'must be a number of hours from 0.25 to 168' }).min(0.25).max(168).default(24),
});

/** Reads the metric feed settings; `undefined` when no type is pulled. Throws {@link ConfigError}. */
export function metricFeedConfig(env: NodeJS.ProcessEnv): { types: string[]; pullEveryMs: number } | undefined {
  const parsed = MetricFeedEnv.safeParse(env);
  if (!parsed.success) fail(parsed.error);
  const { MILEPOST_METRIC_EVENTS: types, MILEPOST_METRIC_PULL_HOURS: hours } = parsed.data;
  return types.length === 0 ? undefined : { types, pullEveryMs: Math.round(hours * 3600_000) };
}
