/**
 * The journey engine's public types: what goes in, what comes out.
 *
 * The engine is a pure, deterministic function of (IR, customer, contract,
 * events seen, now). It runs unchanged in the simulator and inside the
 * Temporal workflow sandbox, so it uses no Node API, reads no clock and does
 * no I/O. All instants are epoch milliseconds (UTC) inside the engine; the
 * report turns them into ISO-8601 strings with milliseconds.
 */

/** A customer attribute or event field value. Dates are epoch milliseconds. */
export type Value = string | number | boolean | null;

export interface Contract {
  /** `contract.start`, the journey's anchor, epoch ms. */
  start: number;
  /** `contract.end`, when the term closes, epoch ms. */
  end: number;
}

export interface JourneyCustomer {
  id: string;
  /** Declared attributes by name (date attributes as epoch ms). */
  attrs: Record<string, Value>;
}

export interface JourneyEvent {
  /** The client's idempotency key, when it has one. */
  id?: string;
  at: number;
  type: string;
  /** Declared fields only; a missing declared field reads as `null`. */
  data: Record<string, Value>;
}

export type MilestoneState = 'pending' | 'open' | 'overdue' | 'done' | 'late' | 'missed' | 'skipped';
export type Outcome = 'running' | 'renewed' | 'churned' | 'ended';
export type ActionKind = 'remind' | 'open_task' | 'escalate' | 'webhook';

/**
 * An action the engine decided to fire. `source` + `at` identify it uniquely
 * within a journey, so `${journeyId}/${source}@${at}` is its idempotency key.
 */
export interface FiredAction {
  at: number;
  kind: ActionKind;
  /** `milestone/<id>/step/<i>`, `milestone/<id>/on_done/<i>`, `risk/<id>/<i>` or `trigger/<id>/<i>`. */
  source: string;
  /** The role it goes to (for a task, its assignee; for a webhook, the webhook name). */
  to: string;
  /** The person the role resolved to (the customer attribute's value), when known. */
  recipient: Value;
  title?: string;
  priority?: 'low' | 'normal' | 'high' | 'urgent';
  /** Task due instant, epoch ms. */
  dueAt?: number;
  template?: string;
  message?: string;
  channel?: 'email' | 'slack' | 'webhook';
  payload?: Record<string, string>;
}

/** A change the ledger records: a milestone changing state, or a risk raised/cleared. */
export type Transition =
  | { at: number; kind: 'milestone'; milestone: string; from: MilestoneState; to: MilestoneState }
  | { at: number; kind: 'risk'; risk: string; change: 'raised' | 'cleared'; actionsFired: boolean }
  | { at: number; kind: 'term'; outcome: Outcome };

/** The simulation report of SPEC §12, with ISO-8601 instants. */
export interface JourneyReport {
  playbook: string;
  customer: string;
  until: string;
  outcome: Outcome;
  milestones: Array<{
    id: string;
    state: MilestoneState;
    opens_at: string | null;
    due_at: string | null;
    completed_at: string | null;
  }>;
  actions: Array<{
    at: string;
    kind: ActionKind;
    source: string;
    to: string;
    title?: string;
    priority?: string;
    due_at?: string;
    template?: string;
    message?: string;
  }>;
  risks: Array<{ id: string; raised_at: string; cleared_at: string | null }>;
}
