/**
 * Webhook signatures: HMAC-SHA256 over `${timestamp}.${body}`, so a receiver
 * can check the body came from Milepost and refuse replays of old requests.
 *
 * Headers: `X-Milepost-Timestamp: <unix seconds>` and
 * `X-Milepost-Signature: sha256=<hex>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-milepost-signature';
export const TIMESTAMP_HEADER = 'x-milepost-timestamp';

/** The signature header's value for `body` sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Checks a received webhook: the signature must match and the timestamp be
 * within `toleranceSeconds` of `nowSeconds`.
 */
export function verifyWebhook(secret: string, headers: { signature: string; timestamp: string }, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
