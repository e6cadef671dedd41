/**
 * What the delivery loop (event-delivery.ts) knows between its statements:
 * each journey's waiting events in arrival order, which journey has a signal
 * in flight, and which events every journey declaring them has had (so their
 * rows can be marked delivered). Plain bookkeeping, no I/O: the loop feeds it
 * what it read or was handed and what Temporal answered.
 *
 * A journey is *ready* when it has waiting events, no signal in flight, no
 * event it was signalled still unmarked in Postgres, and no retry pending.
 * The third rule bounds what a crash can make the loop send again: a journey
 * is never signalled past an unmarked event, so after a restart it is re-sent
 * at most its last batch (at most {@link SIGNAL_BATCH} ids, inside the 500 the
 * workflow remembers). An event declared by two journeys is marked once both
 * have it; until then the first one waits, as a pass-based loop made it wait.
 * An event a journey can no longer read (its row edited by hand) is marked
 * once the others have it; the loop says which journey went without.
 */
import type { JourneyRow } from '../../store/journeys.ts';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';

/** Most events one journey gets in one signal. */
export const SIGNAL_BATCH = 200;

/** A journey as the loop delivers to it: its row and its pinned IR. */
export type DeliveredJourney = JourneyRow & { ir: PlaybookIR };

/** One signal's worth: a journey and its oldest waiting events. */
export interface Dispatch {
  journey: DeliveredJourney;
  ids: string[];
  events: JourneyEvent[];
}

interface Queue {
  journey: DeliveredJourney;
  waiting: Array<{ id: string; event: JourneyEvent }>;
  inFlight: boolean;
  /** Events this journey was signalled whose rows are not yet marked. */
  unmarked: number;
  /** Not to be signalled before this instant (ms; after a failed signal). */
  retryAt: number;
}

interface Tracked {
  /** Journeys still to be signalled this event (or whose signal has not answered). */
  remaining: number;
  /** Journeys that have it, waiting for its row to be marked. */
  had: string[];
  /** When the last of them answered (ms). */
  answeredAt: number;
}

/** What one event is for each journey that should get it; empty when none does. */
export type EventTargets = Array<{ journey: DeliveredJourney; event: JourneyEvent | null }>;

export class DeliveryQueues {
  private readonly queues = new Map<string, Queue>();
  private readonly tracked = new Map<string, Tracked>();
  /** Journeys that may be ready, oldest first (checked again when taken). */
  private readonly candidates = new Set<string>();
  /** Events every journey has had, with the instant the last answered: to mark. */
  private toMark: Array<{ id: string; at: number }> = [];
  private flights = 0;

  /** Whether the loop holds this event already (waiting, in flight, or to be marked). */
  knows(id: string): boolean {
    return this.tracked.has(id);
  }

  /**
   * Takes in one stored event, after those taken in before it (arrival
   * order per journey), unless it is held already. Returns the journeys
   * whose `event` is null: they cannot read it, and go without.
   */
  add(id: string, targets: EventTargets, now: number): DeliveredJourney[] {
    if (this.tracked.has(id)) return [];
    const readable = targets.filter((t): t is { journey: DeliveredJourney; event: JourneyEvent } => t.event !== null);
    const tracked: Tracked = { remaining: readable.length, had: [], answeredAt: now };
    this.tracked.set(id, tracked);
    for (const { journey, event } of readable) {
      let queue = this.queues.get(journey.workflowId);
      if (queue === undefined) {
        queue = { journey, waiting: [], inFlight: false, unmarked: 0, retryAt: 0 };
        this.queues.set(journey.workflowId, queue);
      }
      queue.waiting.push({ id, event });
      this.candidates.add(journey.workflowId);
    }
    // No journey takes it (none declares it any more, or a metric feed pulls it): delivered as it is.
    if (tracked.remaining === 0) this.toMark.push({ id, at: now });
    return targets.filter((t) => t.event === null).map((t) => t.journey);
  }

  /** The next ready journey's oldest waiting events (at most {@link SIGNAL_BATCH}), now in flight; null when none is ready. */
  take(now: number): Dispatch | null {
    for (const journeyId of this.candidates) {
      const queue = this.queues.get(journeyId);
      if (queue === undefined || queue.waiting.length === 0 || queue.inFlight || queue.unmarked > 0) {
        this.candidates.delete(journeyId);
        continue;
      }
      if (queue.retryAt > now) continue;
      this.candidates.delete(journeyId);
      const batch = queue.waiting.splice(0, SIGNAL_BATCH);
      queue.inFlight = true;
      this.flights += 1;
      return { journey: queue.journey, ids: batch.map((b) => b.id), events: batch.map((b) => b.event) };
    }
    return null;
  }

  /** The journey has `dispatch`'s events (its signal answered at `at`). */
  answered(dispatch: Dispatch, at: number): void {
    const queue = this.landed(dispatch);
    for (const id of dispatch.ids) {
      const tracked = this.tracked.get(id)!;
      tracked.remaining -= 1;
      tracked.had.push(queue.journey.workflowId);
      tracked.answeredAt = Math.max(tracked.answeredAt, at);
      queue.unmarked += 1;
      if (tracked.remaining === 0) this.toMark.push({ id, at: tracked.answeredAt });
    }
  }

  /** The signal failed: its events wait again at the head of the journey's queue, not before `retryAt`. */
  failed(dispatch: Dispatch, retryAt: number): void {
    const queue = this.landed(dispatch);
    queue.waiting.unshift(...dispatch.ids.map((id, i) => ({ id, event: dispatch.events[i]! })));
    queue.retryAt = retryAt;
    this.candidates.add(queue.journey.workflowId);
  }

  /** Journeys waiting for a retry may go at `at` at the latest (new events after an outage: try again soon). */
  retryBy(at: number): void {
    for (const [journeyId, queue] of this.queues) {
      if (queue.retryAt > at) {
        queue.retryAt = at;
        this.candidates.add(journeyId);
      }
    }
  }

  /** The events whose rows are to be marked now; call {@link marked} once they are. */
  marks(): Array<{ id: string; at: number }> {
    const marks = this.toMark;
    this.toMark = [];
    return marks;
  }

  /** `marks` are marked in Postgres: their journeys may be signalled again. */
  marked(marks: ReadonlyArray<{ id: string }>): void {
    for (const { id } of marks) {
      const tracked = this.tracked.get(id);
      if (tracked === undefined) continue;
      this.tracked.delete(id);
      for (const journeyId of tracked.had) {
        const queue = this.queues.get(journeyId)!;
        queue.unmarked -= 1;
        if (queue.unmarked === 0) this.release(journeyId, queue);
      }
    }
  }

  /** Events to mark now (see {@link marks}). */
  get markable(): number {
    return this.toMark.length;
  }

  /** Signals in flight. */
  get inFlight(): number {
    return this.flights;
  }

  /** Events held and not yet marked (waiting, in flight, or answered and waiting for another journey or the mark). */
  get held(): number {
    return this.tracked.size;
  }

  /** Nothing waits, flies or is to be marked. */
  get settled(): boolean {
    return this.tracked.size === 0;
  }

  /** The earliest retry instant of a journey with waiting events (ms), or null. */
  nextRetryAt(): number | null {
    let next: number | null = null;
    for (const queue of this.queues.values()) {
      if (queue.waiting.length > 0 && !queue.inFlight && queue.unmarked === 0 && queue.retryAt > 0) next = Math.min(next ?? Infinity, queue.retryAt);
    }
    return next;
  }

  private landed(dispatch: Dispatch): Queue {
    const queue = this.queues.get(dispatch.journey.workflowId)!;
    queue.inFlight = false;
    this.flights -= 1;
    return queue;
  }

  private release(journeyId: string, queue: Queue): void {
    if (queue.waiting.length > 0) this.candidates.add(journeyId);
    else if (!queue.inFlight) this.queues.delete(journeyId);
  }
}
