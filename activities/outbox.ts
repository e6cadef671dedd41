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
import type { DeliveryStatus } from './types.ts';
import { countSendAttempt, markOutboxFailed, markOutboxSent, noteSendError, storeOutboxMessage, type OutboxMessage } from '../store/outbox.ts';

export type { OutboxMessage } from '../store/outbox.ts';

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
  const status = await storeOutboxMessage(pool, message);
  if (status === 'sent') return 'already-sent';
  if (status === 'failed') return 'failed';
  if (send === null) return 'stored';

  // Count sends in the row, not Temporal's attempts: an attempt that failed
  // because Postgres was down never reached the channel and must not count.
  const sends = await countSendAttempt(pool, message.idemKey);
  try {
    await send();
  } catch (err) {
    const permanent = err instanceof PermanentDeliveryError;
    const lastAttempt = sends >= deps.maxDeliveryAttempts;
    const reason = (err as Error).message;
    if (!permanent && !lastAttempt) {
      await noteSendError(pool, message.idemKey, reason);
      log.warn('send failed; will retry', { channel: message.channel, idemKey: message.idemKey, sends, reason });
      throw err;
    }
    await markOutboxFailed(pool, message.idemKey, reason);
    log.error('message recorded as failed', { channel: message.channel, idemKey: message.idemKey, sends, reason });
    throw ApplicationFailure.nonRetryable(
      `${message.channel} delivery of ${message.idemKey} failed: ${reason}`,
      permanent ? err.type : 'DeliveryExhausted',
    );
  }
  await markOutboxSent(pool, message.idemKey);
  log.info('message sent', { channel: message.channel, idemKey: message.idemKey, sends });
  return 'sent';
}
