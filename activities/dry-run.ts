/**
 * Activities that deliver nothing: what `milepost simulate --engine temporal`
 * runs, so a simulation exercises the real workflow, worker and timers without
 * opening tasks or sending email. Same names and shapes as
 * {@link createActivities}.
 *
 * Their metric pull serves `metricStore`, the simulation's stand-in for the
 * `customer_events` table: a run with a metric feed (the cost benchmark, the
 * replay recorder) appends each metric event there at its instant, as the
 * API would store it, and the journey pulls it from there.
 */
import type { JourneyActivities } from './index.ts';
import type { JourneyEvent } from '../workflows/engine/types.ts';
import { formatInstant } from '../workflows/engine/instant.ts';

/** Dry-run activities; `calls` counts what would have been delivered, by activity. */
export function createDryRunActivities(): JourneyActivities & { calls: Record<string, number>; metricStore: JourneyEvent[] } {
  const calls: Record<string, number> = {};
  const metricStore: JourneyEvent[] = [];
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  return {
    calls,
    metricStore,
    recordLedger: async (_journey, entries) => (count('recordLedger'), entries.length),
    openTask: async () => (count('openTask'), 'stored'),
    recordInstant: async (_journey, entries) => (count('recordInstant'), entries.length),
    sendReminder: async () => (count('sendReminder'), 'stored'),
    escalate: async () => (count('escalate'), 'stored'),
    postWebhook: async () => (count('postWebhook'), 'stored'),
    // No playbook is deployed in a simulation: the report names the next term, nothing starts it.
    prepareNextTerm: async () => (count('prepareNextTerm'), null),
    // Everything appended since the cursor (the index reached), of the feed's types.
    async pullMetricEvents(_journey, types, cursor) {
      count('pullMetricEvents');
      const from = cursor === null ? 0 : Number(cursor.eventId);
      const events = metricStore.slice(from).flatMap((e, i) =>
        types.includes(e.type) ? [{ id: e.id ?? `metric-${from + i}`, type: e.type, at: formatInstant(e.at), data: e.data }] : []);
      return { events, cursor: { receivedAt: '', eventId: String(metricStore.length) }, more: false };
    },
  };
}
