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
import type { ActionDelivery, DeliveryStatus, InstantProgress, JourneyRef, LedgerEntry } from './types.ts';
import type { FiredAction } from '../workflows/engine/types.ts';
import { actionKey } from '../workflows/ledger-entries.ts';
import type { MetricCursor, MetricPage } from '../workflows/metric-feed.ts';
import { metricEventsAfter } from '../store/customer-events.ts';
import { writeJourneyProgress } from '../store/journey-progress.ts';
import { insertLedgerEntries } from '../store/ledger.ts';
import { withTransaction } from '../store/queryable.ts';
import { applyTaskCloses, insertTasks, recipientOf, type TaskClose } from '../store/tasks.ts';
import { formatInstant } from '../workflows/engine/instant.ts';
import { createNextTermActivities } from './next-term.ts';

export type { ActivityDeps } from './deps.ts';

/** Rows per metric pull page: well under Temporal's payload limit for any declared event. */
const METRIC_PAGE = 500;

/** The activities, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    // The next contract term's playbook, events and journey row (activities/next-term.ts).
    ...createNextTermActivities(deps),
    /** Writes ledger rows; rows already written (same key) are left as they are. Returns how many were new. */
    recordLedger: (journey: JourneyRef, entries: LedgerEntry[]): Promise<number> => insertLedgerEntries(deps.pool, journey, entries),

    /** Opens a task in the task list, once per key. */
    async openTask({ journey, action }: ActionDelivery): Promise<DeliveryStatus> {
      return (await insertTasks(deps.pool, journey, [action])) === 1 ? 'opened' : 'exists';
    },

    /**
     * Writes what one wake-up of the journey decided, in one transaction: its
     * ledger rows, the tasks it opened and closed, and (`progress`, passed by
     * workflows recorded since the read model) where the journey now stands,
     * for the dashboard, the API and the CLI. One activity (one billable
     * action) instead of one per task; idempotent like its parts. Returns how
     * many ledger rows were new.
     */
    async recordInstant(journey: JourneyRef, entries: LedgerEntry[], tasks: FiredAction[], progress?: InstantProgress): Promise<number> {
      return withTransaction(deps.pool, async (db) => {
        const written = await insertLedgerEntries(db, journey, entries);
        await insertTasks(db, journey, tasks);
        await applyTaskCloses(db, journey.journeyId, taskCloses(entries, progress));
        if (progress !== undefined) await writeJourneyProgress(db, journey.journeyId, progress);
        return written;
      });
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

/**
 * The task closes one wake-up carries: the ledger's task rows (`kind: 'task'`,
 * `toState: 'closed'`, the task id as subject, `detail: { reason, by?, note? }`)
 * and the report's closed tasks (reference §12 `tasks`), so a task row follows
 * its journey whichever the workflow sends. The first close of a task stands.
 */
export function taskCloses(entries: LedgerEntry[], progress: InstantProgress | undefined): TaskClose[] {
  const closes = new Map<string, TaskClose>();
  for (const e of entries) {
    if (e.kind !== ('task' as LedgerEntry['kind']) || e.toState !== 'closed') continue;
    const detail = (e.detail ?? {}) as { reason?: unknown; by?: unknown; note?: unknown };
    closes.set(e.subject, {
      taskId: e.subject, at: e.at, reason: typeof detail.reason === 'string' ? detail.reason : 'done',
      by: typeof detail.by === 'string' ? detail.by : null, note: typeof detail.note === 'string' ? detail.note : null,
    });
  }
  const reported = (progress?.report as { tasks?: Array<{ id: string; closed_at: string | null; closed_because: string | null }> } | undefined)?.tasks ?? [];
  for (const t of reported) {
    if (t.closed_at === null || closes.has(t.id)) continue;
    closes.set(t.id, { taskId: t.id, at: Date.parse(t.closed_at), reason: t.closed_because ?? 'done' });
  }
  return [...closes.values()];
}

/** Reminders and escalations: through the outbox, on the action's channel. */
function sendMessage(deps: ActivityDeps, { journey, action }: ActionDelivery): Promise<DeliveryStatus> {
  const idemKey = actionKey(journey.journeyId, action);
  const channel = action.kind === 'escalate' ? 'email' : action.channel ?? 'email';
  const recipient = recipientOf(action.recipient);
  const { subject, body, html } = messageText(journey, action, deps.publicUrl ?? null);
  const kind = action.kind === 'escalate' ? 'escalate' : 'remind';
  const payload = { kind, to: action.to, recipient, subject, text: body, template: action.template ?? null, source: action.source, at: new Date(action.at).toISOString() };
  const send = ((): (() => Promise<void>) | null => {
    switch (channel) {
      case 'email':
        if (deps.mailer === null) return null;
        return async () => {
          if (recipient === null) throw new PermanentDeliveryError('NoRecipient', `role '${action.to}' has no address for ${journey.customerId}`);
          await sendEmail(deps, { to: recipient, subject, text: body, html, idemKey });
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
