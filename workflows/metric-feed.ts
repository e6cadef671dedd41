/**
 * Metric feeds: event types a journey pulls from Postgres instead of
 * receiving them as signals.
 *
 * Product telemetry (usage sessions, minutes, active users) is what churn
 * warning lines read, and it comes in volume: a clinic's usage pings run to
 * thousands a year, each of which would be one signal (one billable action)
 * and one workflow task. A journey whose playbook reads such a type is
 * enrolled with a feed instead: the API stores those events and does not
 * signal them, and the journey fetches what was stored since its last pull
 * (the `pullMetricEvents` activity, a page at a time) whenever it wakes (for
 * an instant of its own, a signal or an update), before it processes
 * anything, and at least every `pullEveryMs` of domain time. So no instant
 * is processed without the metrics stored by then, and a new metric is seen
 * within `pullEveryMs`.
 *
 * The pulled events enter the engine exactly like signalled ones (each at its
 * own instant, or late), so the report is the simulator's for the same
 * events. This file is the workflow-side bookkeeping; no Temporal API here.
 */
import type { PlaybookIR } from '../dsl/ir/schema.ts';
import { readEvent } from './engine/declarations.ts';
import type { JourneyEvent } from './engine/types.ts';

/** How often a journey pulls at least, unless configured: daily. */
export const DEFAULT_PULL_EVERY_MS = 24 * 3600 * 1000;

/** Which event types a journey pulls, and how often at least (domain ms). */
export interface MetricFeed {
  types: string[];
  pullEveryMs: number;
}

/**
 * Where the last pull stopped: the last row taken, by the order rows are
 * pulled in (received instant, then event id).
 */
export interface MetricCursor {
  receivedAt: string;
  eventId: string;
}

/** One stored event as the pull activity returns it (`at` as ISO-8601). */
export interface PulledEvent {
  id: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** A page of pulled events. */
export interface MetricPage {
  events: PulledEvent[];
  /** Pass back to get the rows after these; unchanged when the page is empty. */
  cursor: MetricCursor | null;
  /** More rows are ready now (the page was full). */
  more: boolean;
}

/** A journey's feed and how far it has pulled; carried across continue-as-new. */
export interface MetricPull {
  feed: MetricFeed;
  cursor: MetricCursor | null;
  /** Domain instant of the next pull at the latest; null before the first (pull at once). */
  nextPullAt: number | null;
}

/** A fresh pull state: the first pull happens at the journey's first wake-up. */
export function startMetricPull(feed: MetricFeed): MetricPull {
  return { feed, cursor: null, nextPullAt: null };
}

/** The event types of `feed` that `ir` declares (a migration may drop some). */
export function feedTypesFor(ir: PlaybookIR, types: readonly string[]): string[] {
  return types.filter((type) => Object.hasOwn(ir.events, type));
}

/**
 * The engine events of a page. A row the pinned playbook refuses (it was
 * checked when accepted, so only a row edited by hand) is returned apart,
 * with why, to be logged: it must not stop the journey.
 */
export function pulledEvents(ir: PlaybookIR, page: MetricPage): { events: JourneyEvent[]; refused: Array<{ id: string; problems: string[] }> } {
  const events: JourneyEvent[] = [];
  const refused: Array<{ id: string; problems: string[] }> = [];
  for (const row of page.events) {
    const read = readEvent(ir, { id: row.id, type: row.type, at: row.at, data: row.data });
    if (read.event === undefined) refused.push({ id: row.id, problems: read.problems });
    else events.push(read.event);
  }
  return { events, refused };
}

/**
 * The domain instant the journey's timer should fire at: its own next
 * instant (+1 ms, the equal-instant rule), or the next pull when that comes
 * first.
 */
export function wakeAt(nextInstant: number, pull: MetricPull | null): number {
  if (!pulling(pull)) return nextInstant + 1;
  return pull.nextPullAt === null ? nextInstant + 1 : Math.min(nextInstant + 1, pull.nextPullAt);
}

/** Does the journey pull anything (a migration may have dropped every feed type)? */
export function pulling(pull: MetricPull | null): pull is MetricPull {
  return pull !== null && pull.feed.types.length > 0;
}
