/**
 * The journey engine's public types: what goes in, what comes out.
 *
 * The engine is a pure, deterministic function of (IR, customer, contract,
 * events seen, now). It runs unchanged in the simulator and inside the
 * Temporal workflow sandbox, so it uses no Node API, reads no clock and does
 * no I/O. All instants are epoch milliseconds (UTC) inside the engine; the
 * report turns them into ISO-8601 strings with milliseconds.
 */

import type { ActionKind as IRActionKind } from '../../dsl/ir/schema.ts';

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
/** The action verbs: the IR's `ActionKind`, from the one verb table in dsl/ir/vocabulary.ts (issue 10 item 4). */
export type ActionKind = IRActionKind;

/** What a fired action is about (v2 IRs only): for the email's "which milestone, risk or task, due when". */
export type ActionAbout =
  | { kind: 'milestone'; id: string; title: string; dueAt: number }
  | { kind: 'risk' | 'opportunity'; id: string; title: string }
  | { kind: 'trigger'; id: string }
  | { kind: 'task'; id: string; title: string; dueAt: number };

/** A rendered template split into the template's own text and the placeholder values inserted into it. */
export type RenderedPart = { text: string } | { value: string };

/**
 * What every fired action has. `source` + `at` identify it uniquely within a
 * journey, so `${journeyId}/${source}@${at}` is its idempotency key.
 */
interface FiredBase {
  at: number;
  /** `milestone/<id>/step/<i>`, `milestone/<id>/on_done/<i>`, `risk/<id>/<i>`, `opportunity/<id>/<i>`, `trigger/<id>/<i>`, plus `/overdue/<j>` for a task's overdue actions. */
  source: string;
  /** The role it goes to (for a task, its assignee; for a webhook, the webhook name). */
  to: string;
  /** The person the role resolved to (the customer attribute's value), when known. */
  recipient: Value;
  /**
   * A key unique within the journey, stable across replays: `<source>@<at>`,
   * plus `#<n>` (n = 2, 3, ...) when one source fires more than once at one
   * instant (a trigger matching several events at the same instant). Use
   * `${journeyId}/${key}` as the idempotency key.
   */
  key: string;
  /** (v2) fired by catch-up at enrolment or migration (reference §10) */
  catchUp?: true;
  /** (v2) what the action is about */
  about?: ActionAbout;
}

/** `remind:` (fields of the other verbs are never set; `switch (kind)` narrows). */
export interface FiredReminder extends FiredBase {
  kind: 'remind';
  channel: 'email' | 'slack' | 'webhook';
  template?: string;
  message?: string;
  /** (v2) a template's rendered subject (absent when its front matter has none) and body */
  subject?: string;
  body?: string;
  /** (v2) the same subject and body split into the template's text and the values put in (escape the values for HTML) */
  subjectParts?: RenderedPart[];
  bodyParts?: RenderedPart[];
  title?: undefined; priority?: undefined; dueAt?: undefined; taskId?: undefined; payload?: undefined;
}

/** `open_task:` */
export interface FiredTask extends FiredBase {
  kind: 'open_task';
  title: string;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  /** Task due instant, epoch ms. */
  dueAt: number;
  /** (v2) the task's id (reference §5.2) */
  taskId?: string;
  channel?: undefined; template?: undefined; message?: undefined; subject?: undefined; body?: undefined; subjectParts?: undefined; bodyParts?: undefined; payload?: undefined;
}

/** `escalate:` */
export interface FiredEscalation extends FiredBase {
  kind: 'escalate';
  message?: string;
  channel?: undefined; template?: undefined; subject?: undefined; body?: undefined; subjectParts?: undefined; bodyParts?: undefined;
  title?: undefined; priority?: undefined; dueAt?: undefined; taskId?: undefined; payload?: undefined;
}

/** `webhook:` (`to` is the webhook's name) */
export interface FiredWebhook extends FiredBase {
  kind: 'webhook';
  payload?: Record<string, string>;
  channel?: undefined; template?: undefined; message?: undefined; subject?: undefined; body?: undefined; subjectParts?: undefined; bodyParts?: undefined;
  title?: undefined; priority?: undefined; dueAt?: undefined; taskId?: undefined;
}

/** An action the engine decided to fire, by verb. */
export type FiredAction = FiredReminder | FiredTask | FiredEscalation | FiredWebhook;

/** Why a task closed (reference §5.2). */
export type TaskCloseReason = 'done' | 'milestone_completed' | 'milestone_missed' | 'risk_cleared' | 'term_closed';

/** A change the ledger records: a milestone changing state, or a risk raised/cleared. */
export type Transition =
  | {
    at: number; kind: 'milestone'; milestone: string; from: MilestoneState; to: MilestoneState;
    /** set when a person completed it by hand ({@link ManualCompletionInput}): who, and why */
    manual?: { note: string; by: string };
  }
  | { at: number; kind: 'risk'; risk: string; change: 'raised' | 'cleared'; actionsFired: boolean }
  /** (v2) */
  | { at: number; kind: 'opportunity'; opportunity: string; change: 'raised' | 'cleared'; actionsFired: boolean }
  /** (v2) a task opened or closed (`reason` null when opened; `by`/`note` when a person closed it) */
  | { at: number; kind: 'task'; task: string; change: 'opened' | 'closed'; reason: TaskCloseReason | null; by?: string; note?: string }
  | { at: number; kind: 'term'; outcome: Outcome };

/** (v2) A task closed by a person (`receiveTaskClose`), queued like a manual completion. */
export interface TaskCloseInput {
  /** the task's id (reference §5.2) */
  task: string;
  /** epoch ms */
  at: number;
  /** who closed it (optional in a timeline) */
  by?: string | null;
  note?: string | null;
}

/**
 * A milestone completed by hand: a person confirming what no event shows
 * (`receiveManualCompletion`). It is queued like an event and completes the
 * milestone instance at instant `at` as if its `done_when` held then.
 */
export interface ManualCompletionInput {
  /** the milestone instance: `<id>`, or `<id>#<k>` for instance k of a repeating milestone */
  milestone: string;
  /** epoch ms */
  at: number;
  note: string;
  /** who completed it */
  by: string;
}

/** The simulation report of reference §12, with ISO-8601 instants. */
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
    /** (v2) a template's rendered subject */
    subject?: string;
    message?: string;
    /** (v2) fired by catch-up */
    catch_up?: true;
  }>;
  risks: Array<{ id: string; raised_at: string; cleared_at: string | null }>;
  /** (v2) every task opened by `until`, in opening order */
  tasks?: Array<{
    id: string; source: string; title: string; to: string; priority: string;
    opened_at: string; due_at: string; closed_at: string | null; closed_because: TaskCloseReason | null;
  }>;
  /** (v2) like `risks` */
  opportunities?: Array<{ id: string; raised_at: string; cleared_at: string | null }>;
  /** (v2) the next term, when this one closed renewed and the playbook has `renewal_term` */
  next_term?: { playbook: string; start: string; end: string } | null;
}

// ---------------------------------------------------------------------------
// The journey's state (plain JSON, bounded; carried across continue-as-new)

/**
 * A running aggregate of one event query without `within` (reference §4), so the
 * engine need not keep every event: matching events counted, and over the
 * query's field the non-null values' count, sum, min and max, plus the most
 * recent matching event's instant and field value.
 */
export interface QueryAggregate {
  /** (v2, queries read by `count_distinct`) the distinct non-null field values seen */
  distinct?: Value[];
  /** matching events */
  n: number;
  /** non-null numeric field values */
  vn: number;
  sum: number;
  min: number | null;
  max: number | null;
  /** the most recent matching event's field value (may be null) */
  latest: Value;
  /** the most recent matching event's instant; null when none */
  latestAt: number | null;
}

/** An event kept in a `within` buffer (sorted by instant, then arrival): its instant and retained fields. */
export interface BufferedEvent {
  at: number;
  data: Record<string, Value>;
}

/**
 * A `within` query's sliding window over its event type's buffer: the events
 * from absolute buffer index `lo` on are inside it, and the matching ones are
 * summed up here, so evaluating `count`/`sum`/`happened` costs O(1) instead
 * of a scan. Events leave at `at + d` (the window slides as time passes).
 */
export interface WindowAggregate {
  /** absolute index (see `JourneyState.bufferBase`) of the first event still inside the window */
  lo: number;
  /** matching events inside */
  n: number;
  /** non-null numeric field values inside, their sum, and how many of them are not integers */
  vn: number;
  sum: number;
  frac: number;
}

/** A queued event: the event plus its arrival sequence. */
export interface QueuedEvent extends JourneyEvent {
  seq: number;
}

/** One milestone instance (`<id>` or `<id>#<k>` for repeats). */
export interface MilestoneInstanceState {
  /** `<id>`, or `<id>#<k>` for instance k of a repeating milestone */
  id: string;
  /** index into `ir.milestones` */
  m: number;
  /** 1-based instance number */
  k: number;
  opensAt: number;
  dueAt: number;
  /** the step instants, by step index */
  steps: number[];
  state: MilestoneState;
  openedAt: number | null;
  completedAt: number | null;
  /** when it became overdue / missed / skipped (for reports as of an earlier instant) */
  overdueAt: number | null;
  closedAt: number | null;
  /** the next instant its `done_when` can change value without a new event; null: none */
  wake: number | null;
  /** per-instance aggregates of queries using `since opens`/`since due`, by query index */
  aggs: Record<string, QueryAggregate> | null;
  /** since-instants of those queries, by query index */
  since: Record<string, number> | null;
  /** who completed it by hand, and why; absent when it was not (or in states from before manual completion existed) */
  manual?: { note: string; by: string };
  /**
   * (v2) the instant it closes (`closes:`, or a repeating instance's default: the next
   * instance's opens), when before contract.end; absent otherwise (the term closes it).
   */
  closesAt?: number;
}

/** (v2) What closes a task besides a person and the term: the milestone instance or the raise that opened it. */
export type TaskOwner = { kind: 'milestone'; id: string } | { kind: 'risk' | 'opportunity'; id: string };

/** (v2) A task (reference §5.2): opened by an `open_task` action, closed once. */
export interface TaskState {
  id: string;
  /** the source of the action that opened it */
  source: string;
  title: string;
  /** the assignee role, and the person it resolved to */
  to: string;
  recipient: Value;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  openedAt: number;
  dueAt: number;
  closedAt: number | null;
  closedBecause: TaskCloseReason | null;
  /** who closed it, and why (a person's close) */
  by?: string;
  note?: string;
  /** what auto-closes it; null: only a person or the term (`auto_close: false`, triggers, on_done, overdue actions) */
  owner: TaskOwner | null;
  /** its `overdue:` actions are still to fire at `dueAt` */
  overduePending: boolean;
  /** the firing context its overdue actions render in: the milestone instance, the trigger's event */
  milestone?: { title: string; dueAt: number; id: string };
  event?: { type: string; data: Record<string, Value> };
  /** fired by catch-up (its overdue actions are too) */
  catchUp?: true;
}

/** One risk's state. */
export interface RiskState {
  /** is its `when` true (raised and not cleared) */
  on: boolean;
  /** the next instant its `when` can change without a new event; null: none */
  wake: number | null;
  /** when its actions last fired (for `cooldown`), null: never */
  lastFired: number | null;
  /** every raise: [raised at, cleared at or null] */
  raises: Array<[number, number | null]>;
}

/** An entry of the report's action list, kept as fired. */
export type ReportedAction = JourneyReport['actions'][number];

/**
 * A journey's whole state: plain JSON, small and bounded (by the retention
 * windows, the number of milestone instances, and the actions and raises it
 * has recorded). Produced by `startJourney`, threaded through
 * `receiveEvent` / `advanceJourney`; never mutated by them.
 */
export interface JourneyState {
  v: 1;
  playbook: string;
  sourceHash: string;
  customer: JourneyCustomer;
  contract: Contract;
  enrolledAt: number;
  /** every instant <= clock is processed; null before the first advance */
  clock: number | null;
  /** the last instant at which something was processed; null before any */
  lastInstant: number | null;
  closed: boolean;
  seq: number;
  /** received, not yet visible, by (`at`, `seq`) */
  pending: QueuedEvent[];
  /**
   * Manual completions received, not yet processed, by `at` then arrival.
   * Absent when there are none (states from before manual completion existed
   * have no such key, and an empty queue is removed so they stay identical).
   */
  manual?: ManualCompletionInput[];
  /** (v2) every task opened so far, in opening order */
  tasks?: TaskState[];
  /** (v2) indices into `tasks` of the open ones */
  openTasks?: number[];
  /** (v2) closes by people received, not yet processed, by `at` then arrival; absent when none */
  taskCloses?: TaskCloseInput[];
  /** (v2) one state per opportunity, like `risks` */
  opportunities?: RiskState[];
  /** (v2) catch-up (reference §10 step 9) is still to run at `enrolledAt`; absent once done or when there is none */
  catchUpAt?: number;
  /** (v2) a migrated journey: the sources fired before the migration (catch-up never re-fires them) */
  firedBefore?: string[];
  /** `within` buffers by event type, holding only events some window still counts */
  buffers: Record<string, BufferedEvent[]>;
  /** per event type, the absolute index of `buffers[type][0]` (events dropped so far) */
  bufferBase: Record<string, number>;
  /** per `within` query (by query index), its sliding window */
  windows: Record<string, WindowAggregate>;
  /** journey-wide aggregates by query index (queries without `within` and not per-instance) */
  aggs: Record<string, QueryAggregate>;
  milestones: MilestoneInstanceState[];
  risks: RiskState[];
  /** has `applies_when` been judged (at contract.start) */
  judged: boolean;
  /** actions fired so far, in firing order, as the report lists them */
  actions: ReportedAction[];
  /** counts of events seen per type (for explanations and benchmarks) */
  seen: number;
}

/** What `explain` says about a milestone, risk or action. */
export interface Explanation {
  subject: string;
  /** (v2) `task` and `opportunity` too */
  kind: 'milestone' | 'risk' | 'action' | 'task' | 'opportunity';
  /** one-line verdict, e.g. "done at 2026-02-20T09:30:00.000Z (on time)" */
  summary: string;
  /** the instant the condition was evaluated at, null when it was not */
  at: number | null;
  condition: null | {
    source: string;
    value: Value | Value[];
    /** each sub-expression with the value it had at `at`, outermost first */
    parts: Array<{ text: string; value: Value | Value[]; depth: number; evaluated: boolean }>;
  };
  /** the events that counted in the condition's queries at `at` */
  events: Array<{ query: string; at: number; type: string; data: Record<string, Value> }>;
  notes: string[];
}
