/**
 * Builds the activities' dependencies from the worker configuration: the
 * Postgres pool, the SMTP transport, the webhook endpoints.
 */
import nodemailer from 'nodemailer';
import type { ActivityDeps } from '../activities/deps.ts';
import { createPool } from '../store/pool.ts';
import type { WorkerConfig } from './config.ts';

/** Dependencies plus a `close()` that releases the pool and the SMTP transport. */
export function activityDeps(config: WorkerConfig): ActivityDeps & { close(): Promise<void> } {
  const pool = createPool(config.databaseUrl);
  const mailer = config.smtpUrl === undefined ? null : nodemailer.createTransport(config.smtpUrl);
  return {
    pool,
    mailer,
    mailFrom: config.mailFrom,
    publicUrl: config.publicUrl ?? null,
    slackWebhookUrl: config.slackWebhookUrl ?? null,
    webhookUrls: config.webhookUrls,
    webhookSecret: config.webhookSecret ?? null,
    fetch: globalThis.fetch,
    maxDeliveryAttempts: config.maxDeliveryAttempts,
    async close() {
      mailer?.close();
      await pool.end();
    },
  };
}
