/**
 * The outbox: every message a journey sends is a row written before the
 * first attempt; its status says whether it went out (activities/outbox.ts
 * drives the send). Read by the API and the dashboard.
 */
import type { JourneyRef } from '../activities/types.ts';
import { page, where, type ListFilter } from './filters.ts';
import type { Queryable } from './queryable.ts';

/** An outbox row, as JSON-ready values. */
export interface OutboxRow {
  id: number; journey_id: string; customer_id: string; playbook: string; source: string; kind: string;
  channel: string; recipient_role: string; recipient: string | null; subject: string | null; body: string | null;
  status: string; attempts: number; last_error: string | null; fired_at: Date; sent_at: Date | null; created_at: Date;
}

/** One message as the activity prepares it. */
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

/** Writes the message unless its key is there, and returns its status (`pending`, `sent` or `failed`). */
export async function storeOutboxMessage(db: Queryable, message: OutboxMessage): Promise<string> {
  const { rows } = await db.query<{ status: string }>(
    `WITH inserted AS (
       INSERT INTO outbox (idem_key, journey_id, customer_id, playbook, source, kind, channel, recipient_role, recipient, subject, body, payload, fired_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (idem_key) DO NOTHING
       RETURNING status
     )
     SELECT status FROM inserted UNION ALL SELECT status FROM outbox WHERE idem_key = $1`,
    [
      message.idemKey, message.journey.journeyId, message.journey.customerId, message.journey.playbook, message.source,
      message.kind, message.channel, message.recipientRole, message.recipient, message.subject, message.body,
      message.payload === null || message.payload === undefined ? null : JSON.stringify(message.payload), new Date(message.firedAt),
    ],
  );
  return rows[0]?.status ?? 'pending';
}

/** Counts one send attempt in the row; returns the count so far. */
export async function countSendAttempt(db: Queryable, idemKey: string): Promise<number> {
  const { rows } = await db.query<{ attempts: number }>('UPDATE outbox SET attempts = attempts + 1 WHERE idem_key = $1 RETURNING attempts', [idemKey]);
  return rows[0]?.attempts ?? 1;
}

/** Notes a failed attempt that will be retried. */
export async function noteSendError(db: Queryable, idemKey: string, error: string): Promise<void> {
  await db.query('UPDATE outbox SET last_error = $2 WHERE idem_key = $1', [idemKey, error]);
}

/** Records the message as failed for good (it is never sent again). */
export async function markOutboxFailed(db: Queryable, idemKey: string, error: string): Promise<void> {
  await db.query(`UPDATE outbox SET status = 'failed', last_error = $2 WHERE idem_key = $1 AND status = 'pending'`, [idemKey, error]);
}

/** Records the message as sent. */
export async function markOutboxSent(db: Queryable, idemKey: string): Promise<void> {
  await db.query(`UPDATE outbox SET status = 'sent', sent_at = now(), last_error = NULL WHERE idem_key = $1`, [idemKey]);
}

/** Filters of {@link listOutbox}. */
export interface OutboxFilter extends ListFilter {
  /** pending / sent / failed */
  status?: string;
}

/** Outbox messages, newest first. `csm` is the customer's CSM. */
export async function listOutbox(db: Queryable, filter: OutboxFilter = {}): Promise<OutboxRow[]> {
  const w = where()
    .add('customer_id = ?', filter.customerId)
    .add('playbook = ?', filter.playbook)
    .add('status = ?', filter.status)
    .add('customer_id IN (SELECT id FROM customers WHERE csm = ?)', filter.csm);
  const { rows } = await db.query<OutboxRow>(
    `SELECT id::int, journey_id, customer_id, playbook, source, kind, channel, recipient_role, recipient, subject, body,
            status, attempts, last_error, fired_at, sent_at, created_at
       FROM outbox${w.sql()} ORDER BY fired_at DESC, id DESC${page(w, filter)}`, w.params);
  return rows;
}
