/**
 * What the journey workflow hands to its activities: plain JSON, one shape per
 * delivery. Every delivery carries its idempotency key,
 * `${journeyId}/${source}@${ISO instant}` (built by `actionKey` in
 * workflows/ledger-entries.ts), stored
 * under a unique constraint so retries, worker crashes and replays never open
 * a task or send a message twice.
 */
import type { FiredAction, JourneyReport } from '../workflows/engine/types.ts';

/** Which journey an activity acts for. */
export interface JourneyRef {
  /** The workflow id (stable across continue-as-new). */
  journeyId: string;
  customerId: string;
  playbook: string;
  /** `sha256:...` of the pinned playbook version. */
  playbookHash: string;
  /** The customer's `name` attribute, when it has one (emails say who the customer is). */
  customerName?: string;
}

/** One fired action, for the journey it belongs to. */
export interface ActionDelivery {
  journey: JourneyRef;
  action: FiredAction;
}

/** A row of the milestone ledger (table `milestone_ledger`). */
export interface LedgerEntry {
  idemKey: string;
  /** Domain instant, epoch ms. */
  at: number;
  kind: 'milestone' | 'risk' | 'opportunity' | 'action' | 'task' | 'term' | 'manual' | 'migration';
  subject: string;
  fromState: string | null;
  toState: string | null;
  detail: Record<string, unknown> | null;
}

/** How a delivery ended. `failed` is final: recorded in the outbox, never retried again. */
export type DeliveryStatus = 'opened' | 'exists' | 'sent' | 'already-sent' | 'stored' | 'failed';

/**
 * Where the journey stands after one wake-up, written to the read model
 * (`journey_progress`) by `recordInstant` with the wake-up's ledger rows.
 */
export interface InstantProgress {
  /** The domain instant processed, epoch ms: `report` is the journey as of it. */
  at: number;
  report: JourneyReport;
  /** `journeyHealth(ir, state, at)`: null when the playbook has no health. */
  health: { value: number | null; components: Record<string, number | null> } | null;
  /** The next domain instant the journey wakes for, epoch ms; null once the term has closed. */
  nextWakeAt: number | null;
}
