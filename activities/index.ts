/**
 * The journey activities: the only place a journey touches the world.
 *
 * `createActivities(deps)` closes over the injected pool, mailer and HTTP
 * client (the worker builds them; tests pass their own). Every activity is
 * idempotent by the action's key `${journeyId}/${source}@${ISO instant}`,
 * stored under a unique constraint.
 */
import type { ActivityDeps } from './deps.ts';
import { postJson, sendEmail } from './channels.ts';
import { PermanentDeliveryError } from './delivery-errors.ts';
import { messageText } from './message-text.ts';
import { deliverThroughOutbox } from './outbox.ts';
import type { ActionDelivery, DeliveryStatus, JourneyRef, LedgerEntry } from './types.ts';
import type { PoolClient } from '../store/pool.ts';
import type { FiredAction } from '../workflows/engine/types.ts';
import { actionKey } from '../workflows/ledger-entries.ts';
import type { MetricCursor, MetricPage } from '../workflows/metric-feed.ts';
import { metricEventsAfter } from '../store/customer-events.ts';
import { formatInstant } from '../workflows/engine/instant.ts';

export type { ActivityDeps } from './deps.ts';

/** Rows per metric pull page: well under Temporal's payload limit for any declared event. */
const METRIC_PAGE = 500;

/** The activities, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    /** Writes ledger rows; rows already written (same key) are left as they are. Returns how many were new. */
    recordLedger: (journey: JourneyRef, entries: LedgerEntry[]): Promise<number> => insertLedger(deps.pool, journey, entries),

    /** Opens a task in the task list, once per key. */
    async openTask({ journey, action }: ActionDelivery): Promise<DeliveryStatus> {
      return (await insertTask(deps.pool, journey, action)) ? 'opened' : 'exists';
    },

    /**
     * Writes what one wake-up of the journey decided, in one transaction: its
     * ledger rows and the tasks it opened. One activity (one billable
     * action) instead of one per task; idempotent like its parts.
     */
    async recordInstant(journey: JourneyRef, entries: LedgerEntry[], tasks: FiredAction[]): Promise<number> {
      const client = await deps.pool.connect();
      try {
        await client.query('BEGIN');
        const written = await insertLedger(client, journey, entries);
        for (const task of tasks) await insertTask(client, journey, task);
        await client.query('COMMIT');
        return written;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },

    /**
     * A page of the customer's stored events of the journey's metric feed
     * types, after `cursor` (workflows/metric-feed.ts). Reads only, so a retry
     * returns the same page.
     */
    async pullMetricEvents(journey: JourneyRef, types: string[], cursor: MetricCursor | null): Promise<MetricPage> {
      const rows = await metricEventsAfter(deps.pool, journey.customerId, types, cursor, METRIC_PAGE, deps.metricSettleSeconds);
      const last = rows[rows.length - 1];
      return {
        events: rows.map((r) => ({ id: r.id, type: r.type, at: formatInstant(r.at), data: r.data })),
        cursor: last === undefined ? cursor : { receivedAt: last.receivedAt, eventId: last.id },
        more: rows.length === METRIC_PAGE,
      };
    },

    /** Sends a reminder on its channel (email by default). */
    sendReminder: (delivery: ActionDelivery): Promise<DeliveryStatus> => sendMessage(deps, delivery),

    /** Sends an escalation (email). */
    escalate: (delivery: ActionDelivery): Promise<DeliveryStatus> => sendMessage(deps, delivery),

    /** Calls the named webhook with a signed POST. */
    async postWebhook({ journey, action }: ActionDelivery): Promise<DeliveryStatus> {
      const idemKey = actionKey(journey.journeyId, action);
      const url = deps.webhookUrls[action.to];
      const body = JSON.stringify({
        id: idemKey, webhook: action.to, playbook: journey.playbook, customer: journey.customerId,
        source: action.source, at: new Date(action.at).toISOString(), payload: action.payload ?? {},
      });
      return deliverThroughOutbox(deps, {
        idemKey, journey, source: action.source, kind: 'webhook', channel: 'webhook', recipientRole: action.to,
        recipient: url ?? null, subject: null, body: null, payload: action.payload ?? {}, firedAt: action.at,
      }, async () => {
        if (url === undefined) throw new PermanentDeliveryError('ChannelNotConfigured', `no endpoint configured for webhook '${action.to}'`);
        await postJson(deps, url, body, idemKey, true);
      });
    },
  };
}

/** The activities' type, for `proxyActivities` in the workflow. */
export type JourneyActivities = ReturnType<typeof createActivities>;

/** Something that runs SQL: the pool, or one connection inside a transaction. */
type Queryable = Pick<PoolClient, 'query'>;

async function insertLedger(db: Queryable, journey: JourneyRef, entries: LedgerEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const values: unknown[] = [];
  const rows = entries.map((e, i) => {
    values.push(e.idemKey, journey.journeyId, journey.customerId, journey.playbook, journey.playbookHash, new Date(e.at),
      e.kind, e.subject, e.fromState, e.toState, e.detail === null ? null : JSON.stringify(e.detail));
    const b = i * 11;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10}, $${b + 11})`;
  });
  const result = await db.query(
    `INSERT INTO milestone_ledger (idem_key, journey_id, customer_id, playbook, playbook_hash, at, kind, subject, from_state, to_state, detail)
     VALUES ${rows.join(', ')} ON CONFLICT (idem_key) DO NOTHING`,
    values,
  );
  return result.rowCount ?? 0;
}

/** Inserts a task unless its key exists; true when it is new. */
async function insertTask(db: Queryable, journey: JourneyRef, action: FiredAction): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO tasks (idem_key, journey_id, customer_id, playbook, source, title, assignee_role, assignee, priority, due_at, fired_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (idem_key) DO NOTHING`,
    [
      actionKey(journey.journeyId, action), journey.journeyId, journey.customerId, journey.playbook, action.source,
      action.title ?? action.source, action.to, recipientOf(action.recipient), action.priority ?? 'normal',
      action.dueAt === undefined ? null : new Date(action.dueAt), new Date(action.at),
    ],
  );
  return result.rowCount === 1;
}

function recipientOf(value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : String(value);
}

/** Reminders and escalations: through the outbox, on the action's channel. */
function sendMessage(deps: ActivityDeps, { journey, action }: ActionDelivery): Promise<DeliveryStatus> {
  const idemKey = actionKey(journey.journeyId, action);
  const channel = action.kind === 'escalate' ? 'email' : action.channel ?? 'email';
  const recipient = recipientOf(action.recipient);
  const { subject, body } = messageText(journey, action);
  const kind = action.kind === 'escalate' ? 'escalate' : 'remind';
  const payload = { kind, to: action.to, recipient, subject, text: body, template: action.template ?? null, source: action.source, at: new Date(action.at).toISOString() };
  const send = ((): (() => Promise<void>) | null => {
    switch (channel) {
      case 'email':
        if (deps.mailer === null) return null;
        return async () => {
          if (recipient === null) throw new PermanentDeliveryError('NoRecipient', `role '${action.to}' has no address for ${journey.customerId}`);
          await sendEmail(deps, { to: recipient, subject, text: body, idemKey });
        };
      case 'slack': {
        const url = deps.slackWebhookUrl;
        if (url === null) return null;
        return () => postJson(deps, url, JSON.stringify({ text: `*${subject}*\n${body}` }), idemKey, false);
      }
      case 'webhook': {
        const url = deps.webhookUrls.reminders;
        if (url === undefined) return null;
        return () => postJson(deps, url, JSON.stringify(payload), idemKey, true);
      }
    }
  })();
  return deliverThroughOutbox(deps, {
    idemKey, journey, source: action.source, kind, channel, recipientRole: action.to, recipient, subject, body,
    payload: channel === 'email' ? null : payload, firedAt: action.at,
  }, send);
}
