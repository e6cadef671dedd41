/**
 * Activities that deliver nothing: what `milepost simulate --engine temporal`
 * runs, so a simulation exercises the real workflow, worker and timers without
 * opening tasks or sending email. Same names and shapes as
 * {@link createActivities}.
 */
import type { JourneyActivities } from './index.ts';

/** Dry-run activities; `calls` counts what would have been delivered, by activity. */
export function createDryRunActivities(): JourneyActivities & { calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  return {
    calls,
    recordLedger: async (_journey, entries) => (count('recordLedger'), entries.length),
    openTask: async () => (count('openTask'), 'stored'),
    recordInstant: async (_journey, entries) => (count('recordInstant'), entries.length),
    sendReminder: async () => (count('sendReminder'), 'stored'),
    escalate: async () => (count('escalate'), 'stored'),
    postWebhook: async () => (count('postWebhook'), 'stored'),
    // A simulation hands the journey every event as a signal; it has no metric feed to pull.
    pullMetricEvents: async (_journey, _types, cursor) => (count('pullMetricEvents'), { events: [], cursor, more: false }),
  };
}
