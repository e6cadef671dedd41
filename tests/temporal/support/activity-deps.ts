/**
 * Activity dependencies for tests: a real pool, a real SMTP transport to the
 * sink, the receiver's endpoints.
 */
import nodemailer from 'nodemailer';
import type { ActivityDeps } from '../../../activities/deps.ts';
import type { Pool } from '../../../store/pool.ts';

export const TEST_WEBHOOK_SECRET = 'test-secret-0123456789';

export function testActivityDeps(pool: Pool, smtpUrl: string | null, httpUrl: string, overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    pool,
    mailer: smtpUrl === null ? null : nodemailer.createTransport({
      host: new URL(smtpUrl).hostname, port: Number(new URL(smtpUrl).port), secure: false, ignoreTLS: true,
      connectionTimeout: 2000, greetingTimeout: 2000, socketTimeout: 5000,
    }),
    mailFrom: 'milepost@test.local',
    slackWebhookUrl: `${httpUrl}/slack`,
    webhookUrls: { crm: `${httpUrl}/crm`, reminders: `${httpUrl}/reminders` },
    webhookSecret: TEST_WEBHOOK_SECRET,
    fetch: globalThis.fetch,
    maxDeliveryAttempts: 3,
    ...overrides,
  };
}

/** Empties the sinks and the journey-action tables between tests. */
export async function resetDeliveries(pool: Pool, smtp: { received: unknown[]; refuseWith: number | null }, http: { received: unknown[]; status: number }): Promise<void> {
  smtp.received.length = 0;
  smtp.refuseWith = null;
  http.received.length = 0;
  http.status = 200;
  await pool.query('TRUNCATE tasks, outbox, milestone_ledger');
}
