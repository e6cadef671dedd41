/**
 * What the activities need from the outside world, injected by the worker
 * (worker/activity-deps.ts) or by a test.
 */
import type { Transporter } from 'nodemailer';
import type { Pool } from '../store/pool.ts';

export interface ActivityDeps {
  pool: Pool;
  /** SMTP transport; `null` keeps email in the outbox as `pending` (shown on the dashboard). */
  mailer: Transporter | null;
  /** The `From:` address of Milepost's email. */
  mailFrom: string;
  /** Base URL of the dashboard (MILEPOST_PUBLIC_URL): emails link to the customer's page under it; unset: no link. */
  publicUrl?: string | null;
  /** Slack incoming-webhook URL for `channel: slack`; `null` keeps Slack messages pending. */
  slackWebhookUrl: string | null;
  /**
   * Endpoints by webhook name (`webhook: <name>` actions). Reminders on
   * `channel: webhook` go to the endpoint named `reminders`.
   */
  webhookUrls: Record<string, string>;
  /** HMAC-SHA256 key for webhook signatures; `null` sends them unsigned (development only). */
  webhookSecret: string | null;
  /** HTTP client; `globalThis.fetch` unless a test injects one. */
  fetch: typeof fetch;
  /** Send attempts before a message is recorded as failed (the journey goes on). */
  maxDeliveryAttempts: number;
  /**
   * How old (seconds) a stored metric event must be before a pull takes it
   * (store/customer-events.ts PULL_SETTLE_SECONDS when unset); tests set 0.
   */
  metricSettleSeconds?: number;
}
