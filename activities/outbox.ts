/**
 * The outbox: every message a journey sends is a row written before the first
 * attempt. The row's status is the single source of truth for "did it go
 * out", so a retried activity, a restarted worker or a replayed workflow
 * never sends twice, and a channel that keeps failing ends as `failed`
 * instead of stopping the journey.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type { ActivityDeps } from './deps.ts';
import { PermanentDeliveryError } from './delivery-errors.ts';
import type { DeliveryStatus, JourneyRef } from './types.ts';

/** One outbox message, as the activity prepares it. */
export interface OutboxMessage {
  idemKey: string;
  journey: JourneyRef;
  source: string;
  kind: 'remind' | 'escalate' | 'webhook';
  channel: 'email' | 'slack' | 'webhook';
  recipientRole: string | null;
  recipient: string | null;
  subject: string | null;
  body: string | null;
  payload: unknown;
  /** Domain instant the action fired at, epoch ms. */
  firedAt: number;
}

/**
 * Writes the message (once), then sends it unless it already went out or
 * already failed. Returns how it ended; throws a plain error for a transient
 * failure before the last send (`deps.maxDeliveryAttempts`, counted in the
 * row; Temporal retries with backoff), and a non-retryable ApplicationFailure
 * once the failure is recorded.
 *
 * @param send the channel's send; `null` when the channel is not configured,
 *   which leaves the message pending in the outbox (`stored`).
 */
export async function deliverThroughOutbox(deps: ActivityDeps, message: OutboxMessage, send: (() => Promise<void>) | null): Promise<DeliveryStatus> {
  const { pool } = deps;
  await pool.query(
    `INSERT INTO outbox (idem_key, journey_id, customer_id, playbook, source, kind, channel, recipient_role, recipient, subject, body, payload, fired_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (idem_key) DO NOTHING`,
    [
      message.idemKey, message.journey.journeyId, message.journey.customerId, message.journey.playbook, message.source,
      message.kind, message.channel, message.recipientRole, message.recipient, message.subject, message.body,
      message.payload === null || message.payload === undefined ? null : JSON.stringify(message.payload), new Date(message.firedAt),
    ],
  );
  const row = (await pool.query<{ status: string }>('SELECT status FROM outbox WHERE idem_key = $1', [message.idemKey])).rows[0];
  if (row?.status === 'sent') return 'already-sent';
  if (row?.status === 'failed') return 'failed';
  if (send === null) return 'stored';

  // Count sends in the row, not Temporal's attempts: an attempt that failed
  // because Postgres was down never reached the channel and must not count.
  const counted = await pool.query<{ attempts: number }>('UPDATE outbox SET attempts = attempts + 1 WHERE idem_key = $1 RETURNING attempts', [message.idemKey]);
  const sends = counted.rows[0]?.attempts ?? 1;
  try {
    await send();
  } catch (err) {
    const permanent = err instanceof PermanentDeliveryError;
    const lastAttempt = sends >= deps.maxDeliveryAttempts;
    const reason = (err as Error).message;
    if (!permanent && !lastAttempt) {
      await pool.query('UPDATE outbox SET last_error = $2 WHERE idem_key = $1', [message.idemKey, reason]);
      throw err;
    }
    await pool.query(`UPDATE outbox SET status = 'failed', last_error = $2 WHERE idem_key = $1 AND status = 'pending'`, [message.idemKey, reason]);
    log.warn('message recorded as failed', { idemKey: message.idemKey, reason });
    throw ApplicationFailure.nonRetryable(
      `${message.channel} delivery of ${message.idemKey} failed: ${reason}`,
      permanent ? err.type : 'DeliveryExhausted',
    );
  }
  await pool.query(`UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL WHERE idem_key = $1`, [message.idemKey]);
  return 'sent';
}
