/**
 * The delivery loop: hands stored customer events to the journeys that
 * declare them, in arrival order per journey, and a person's task closes
 * recorded but not yet heard by their journey (POST /tasks/:task/close).
 *
 * `POST /events` answers 202 once a batch is stored (reference §15) and only
 * {@link DeliveryLoop.notify}s this loop, handing it the rows it stored and
 * the events it already checked against each journey's IR, so delivery
 * neither reads the rows again nor re-parses IRs. What an earlier process
 * left undelivered (`signalled_at IS NULL`), and what another API server
 * stored, the loop finds by sweeping `customer_events` oldest first: when it
 * starts, every `sweepEveryMs`, and page after page while it is behind.
 *
 * Each journey is signalled as soon as it is ready (delivery-queues.ts): its
 * waiting events (at most {@link SIGNAL_BATCH}) go in one signal the moment
 * its previous signal has answered and been marked, whatever the other
 * journeys are doing, at most `concurrency` signals at once. So an event
 * waits at most about one round of the journeys, not for a whole pass to
 * end and the next to reach it (issue 14: the lag's p99 was two passes).
 * A journey whose signal fails keeps its events, later ones waiting behind
 * them, and is tried again after `retryEveryMs` (doubling to 30 s while
 * signals keep failing; new events try again soon). An event's
 * `signalled_at` is when the signal of its last journey answered; the marks
 * of signals answering together go in one statement.
 *
 * One loop delivers at a time across API processes: the loop holds an
 * advisory lock while it has work and lets it go when idle, so another
 * server's loop takes over when this one is gone or quiet. While it holds
 * the lock it sweeps every second, so what the other servers store is
 * delivered within about a second too.
 *
 * Exactly once: a signal is not idempotent in Temporal, and the process can
 * die after a signal succeeded but before its events were marked. After a
 * restart they are signalled again, and the workflow drops them: it
 * remembers the last 500 event ids it received (workflows/journey-driver.ts).
 * A journey is never signalled again before its previous signal's events are
 * marked, so what is sent again is at most its last batch, well inside that
 * window.
 */
import { deliveryBacklog, markEventsSignalled, undeliveredEvents, type StoredEvent } from '../../store/customer-events.ts';
import { tryAdvisoryLock as tryLockKey, advisoryUnlock as unlockKey } from '../../store/advisory-lock.ts';
import { journeysOfCustomers } from '../../store/journeys.ts';
import { pinKey, pinnedIRs } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';
import { pendingTaskCloses, withdrawTaskClose } from '../../store/tasks.ts';
import type { MetricFeed } from '../../workflows/metric-feed.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';
import type { ApiJourneyGateway } from './deps.ts';
import { DeliveryQueues, type DeliveredJourney, type Dispatch, type EventTargets } from './delivery-queues.ts';
import { enrolmentOf } from './enrol.ts';
import { journeyEvent } from './journey-events.ts';
import { closeRefusal } from './task-close-refusals.ts';

export { SIGNAL_BATCH } from './delivery-queues.ts';

const tryLock = (db: Parameters<typeof tryLockKey>[0]) => tryLockKey(db, DELIVERY_LOCK_KEY);
const unlock = (db: Parameters<typeof unlockKey>[0]) => unlockKey(db, DELIVERY_LOCK_KEY);

/** Most checked events kept for delivery (beyond it, the oldest are converted again from their rows). */
const CHECKED_KEPT = 100_000;

/** Ids of the events this loop marked last, remembered (a few seconds' worth at full intake). */
const MARKED_KEPT = 20_000;

/** Deletes the oldest entries (insertion order) of `kept` until at most `max` are left. */
function dropOldest(kept: Map<string, unknown> | Set<string>, max: number): void {
  for (const key of kept.keys()) {
    if (kept.size <= max) return;
    kept.delete(key);
  }
}

/** Rows one sweep reads (oldest undelivered first). */
const SWEEP_LIMIT = 1000;

/** Sweeps at least this often while delivering, ms (idle: every `sweepEveryMs`). */
const SWEEP_WHILE_DELIVERING_MS = 1000;

/** Events checked by `POST /events`: event id → workflow id → the journey's event. */
export type CheckedEvents = Map<string, Map<string, JourneyEvent>>;

/** `pg_advisory_lock` key of the delivering loop ("mp-deliv" in ASCII): one at a time across API processes. */
const DELIVERY_LOCK_KEY = 0x6d702d64656c6976n.toString();

/** Each customer's journeys as recorded, with their pinned IRs; a customer without a journey is absent. */
async function loadCustomerJourneys(pool: Pool, customerIds: string[]): Promise<Map<string, DeliveredJourney[]>> {
  const journeys = await journeysOfCustomers(pool, [...new Set(customerIds)]);
  const irs = await pinnedIRs(pool, journeys.map((j) => ({ playbook: j.playbook, hash: j.playbookHash })));
  // A journey whose pinned version was deleted by hand is left out: nothing can convert its events.
  const withIr = journeys.flatMap((journey) => {
    const ir = irs.get(pinKey(journey.playbook, journey.playbookHash));
    return ir === undefined ? [] : [{ ...journey, ir }];
  });
  return Map.groupBy(withIr, (j) => j.customerId);
}

/**
 * Each stored event's targets: the customer's journeys that declare its type
 * and do not pull it themselves (a metric feed type), each with the event as
 * it receives it (from `checked`, else converted from the row; null when the
 * row no longer reads: edited by hand).
 */
async function targetsOf(pool: Pool, events: StoredEvent[], checked: CheckedEvents): Promise<EventTargets[]> {
  const journeys = await loadCustomerJourneys(pool, events.map((e) => e.customerId));
  return events.map((stored) => (journeys.get(stored.customerId) ?? [])
    .filter((journey) => Object.hasOwn(journey.ir.events, stored.type) && !journey.metricEvents.includes(stored.type))
    .map((journey) => ({ journey, event: checked.get(stored.id)?.get(journey.workflowId) ?? journeyEvent(journey.ir, stored) })));
}

/** Signals one journey its events; a journey recorded but never started starts with them. */
async function signal(pool: Pool, gateway: ApiJourneyGateway, dispatch: Dispatch, metrics: MetricFeed | undefined): Promise<void> {
  const journeyId = dispatch.journey.workflowId;
  if (gateway.deliverEvents !== undefined) {
    // A journey recorded but never started (its enrolment was cut short) starts with its events;
    // a finished one is not started again (delivered: false, nothing more to do).
    await gateway.deliverEvents({ journeyId, events: dispatch.events, startWith: () => enrolmentOf(pool, dispatch.journey, metrics) });
  } else {
    for (const event of dispatch.events) await gateway.deliverEvent({ journeyId, event });
  }
}

/**
 * Asks the journeys again for the task closes recorded more than
 * `olderThanMs` ago that they have not made yet (the API's own call failed,
 * or the process died after recording). Idempotent in the workflow. A close
 * the journey refuses (task-close-refusals.ts) is withdrawn and said, not
 * asked again.
 */
export async function deliverTaskCloses(
  pool: Pool, gateway: ApiJourneyGateway, now: number, olderThanMs = 10_000, warn: (message: string) => void = () => {},
): Promise<number> {
  if (gateway.closeTask === undefined) return 0;
  let asked = 0;
  for (const task of await pendingTaskCloses(pool, 100)) {
    if (task.close_requested_at === null || now - task.close_requested_at.getTime() < olderThanMs) continue;
    try {
      await gateway.closeTask(task.journey_id, { task: task.task_id, by: task.close_requested_by ?? 'unknown', note: task.close_requested_note ?? '' });
      asked += 1;
    } catch (err) {
      const refusal = closeRefusal(err);
      // Temporal down: the next pass tries again.
      if (refusal === null) continue;
      await withdrawTaskClose(pool, task.id, task.close_requested_at);
      warn(`task ${task.id}: the close ${task.close_requested_by === null ? '' : `by '${task.close_requested_by}' `}was withdrawn, journey ${task.journey_id} refused it: ${refusal.message}`);
    }
  }
  return asked;
}

/** The loop: `notify` after storing, `idle` to wait until nothing is waiting (tests), `stop` on shutdown. */
export interface DeliveryLoop {
  /** Wakes the loop with what was just stored (`stored`, in the order stored) and how each journey reads it (`checked`). */
  notify(checked?: CheckedEvents, stored?: StoredEvent[]): void;
  /** Resolves once a sweep found nothing left to deliver and nothing is in flight (or the loop stopped). */
  idle(): Promise<void>;
  /** Events waiting and since when (for /metrics and the dashboard). */
  backlog(): Promise<{ waiting: number; oldestReceivedAt: Date | null; lagMs: number }>;
  stop(): Promise<void>;
}

/** Options of {@link startDeliveryLoop}. */
export interface DeliveryLoopOptions {
  pool: Pool;
  gateway: ApiJourneyGateway;
  clock: () => number;
  metrics?: MetricFeed;
  /** Wait before signalling again a journey whose signal failed (Temporal down), ms; doubles to 30 s while failures go on. Default 500. */
  retryEveryMs?: number;
  /** Sweep for anything stored by another process, ms. Default 5 s. */
  sweepEveryMs?: number;
  /** Ask a journey again for a person's task close it has not made after this long, ms. Default 10 s. */
  taskCloseRetryMs?: number;
  /**
   * Wait after a notify wakes the idle loop before it starts, ms, so that the
   * events of concurrent requests start out together. Default 20.
   */
  gatherMs?: number;
  /** Most signals in flight at once. Default 32 (measured: docs/benchmarks.md, issue 14). */
  concurrency?: number;
  warn?: (message: string) => void;
  /** Hears, at most once a second while events are delivered, how many were marked delivered over how long (ms). */
  onDelivered?: (count: number, overMs: number) => void;
}

/** Looks for task closes to ask again at most this often, ms. */
const TASK_CLOSE_CHECK_MS = 1000;

/** Reports deliveries (onDelivered) at most this often, ms. */
const REPORT_EVERY_MS = 1000;

/** Longest wait between retries of a failing journey, ms. */
const RETRY_MAX_MS = 30_000;

/** How a turn at delivering ended. */
type Turn = 'idle' | 'busy' | 'failed';

/** A signal's answer: null error when the journey has the events. */
interface Answer {
  dispatch: Dispatch;
  error: Error | null;
  at: number;
}

/** Starts the loop (its first sweep right away: what an earlier process left undelivered). */
export function startDeliveryLoop(options: DeliveryLoopOptions): DeliveryLoop {
  const { pool, gateway, clock } = options;
  const warn = options.warn ?? (() => {});
  const retryBase = options.retryEveryMs ?? 500;
  const sweepEveryMs = options.sweepEveryMs ?? 5000;
  const gatherMs = options.gatherMs ?? 20;
  const concurrency = options.concurrency ?? 32;
  // While delivering, what other API servers store (their loops wait for the lock) is swept up within a second.
  const sweepWhileDelivering = Math.min(sweepEveryMs, SWEEP_WHILE_DELIVERING_MS);
  const checked: CheckedEvents = new Map();
  /** Rows handed by notify, not yet taken in. */
  let handed: StoredEvent[] = [];
  /**
   * The events this loop marked last, oldest first. A request commits its
   * rows and then hands them to notify: a sweep in between can take them in,
   * and they can be delivered and marked before the handed copies arrive,
   * which must then not be signalled again.
   */
  const marked = new Set<string>();
  let stopped = false;
  /** A sweep is asked for (start, idle(), a turn that failed, a notify without rows). */
  let sweepWanted = true;
  /** A notify came after signals failed: journeys waiting for a retry go soon. */
  let retrySoon = false;
  let retry = retryBase;
  /** When signals last failed (wall clock ms), null once one succeeds. */
  let failedAt: number | null = null;
  let idleWaiters: Array<() => void> = [];
  let closesCheckedAt = -Infinity;
  let reported = { count: 0, since: Date.now() };

  // One waker: a notify, an answered signal, stop. `woken` keeps a wake that came while not waiting.
  let woken = false;
  let wakeUp: (() => void) | null = null;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  /** Waits up to `ms` for a wake; true when woken. */
  const waitForWake = (ms: number) => new Promise<boolean>((resolve) => {
    if (woken) {
      woken = false;
      return resolve(true);
    }
    const timer = setTimeout(() => { wakeUp = null; resolve(false); }, Math.max(0, ms));
    wakeUp = () => { clearTimeout(timer); wakeUp = null; woken = false; resolve(true); };
  });

  /** Waits `ms`, or until the loop stops. */
  let stopPause: (() => void) | null = null;
  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(() => { stopPause = null; resolve(); }, ms);
    stopPause = () => { clearTimeout(timer); stopPause = null; resolve(); };
  });

  const closesIfDue = async () => {
    // Wall-clock age of the request (its row has the database's now()), whatever the domain clock.
    if (Date.now() - closesCheckedAt < TASK_CLOSE_CHECK_MS) return;
    closesCheckedAt = Date.now();
    await deliverTaskCloses(pool, gateway, closesCheckedAt, options.taskCloseRetryMs, warn);
  };

  const report = (count: number, force = false) => {
    reported.count += count;
    const overMs = Date.now() - reported.since;
    if (reported.count > 0 && (force || overMs >= REPORT_EVERY_MS)) {
      options.onDelivered?.(reported.count, overMs);
      reported = { count: 0, since: Date.now() };
    }
  };

  /** Takes in stored rows not held yet, in the order given. */
  const takeIn = async (queues: DeliveryQueues, rows: StoredEvent[]) => {
    const fresh = rows.filter((row) => !queues.knows(row.id));
    if (fresh.length === 0) return;
    const targets = await targetsOf(pool, fresh, checked);
    const now = clock();
    fresh.forEach((row, i) => {
      for (const journey of queues.add(row.id, targets[i]!, now)) {
        warn(`event ${row.id} no longer reads as ${journey.playbook} declares it (its row was edited?): not delivered to ${journey.workflowId}`);
      }
    });
  };

  /** Applies signals' answers: each journey has its events, or waits to be tried again. */
  const settle = (queues: DeliveryQueues, answers: Answer[]) => {
    let failures = 0;
    let firstError = '';
    for (const { dispatch, error, at } of answers) {
      if (error === null) {
        queues.answered(dispatch, at);
        continue;
      }
      failures += 1;
      firstError ||= error.message;
      queues.failed(dispatch, Date.now() + retry);
    }
    if (failures > 0) {
      warn(`${failures} journeys not yet signalled their stored events: ${firstError}`);
      failedAt = Date.now();
      retry = Math.min(retry * 2, RETRY_MAX_MS);
    } else if (answers.length > 0) {
      failedAt = null;
      retry = retryBase;
    }
  };

  /** Marks every event whose journeys all have it, in one statement; then those journeys may go on. */
  const markDelivered = async (queues: DeliveryQueues) => {
    const marks = queues.marks();
    if (marks.length === 0) return;
    await markEventsSignalled(pool, marks.map((m) => ({ id: m.id, at: new Date(m.at) })));
    queues.marked(marks);
    for (const { id } of marks) {
      checked.delete(id);
      marked.add(id);
    }
    dropOldest(marked, MARKED_KEPT);
    report(marks.length);
  };

  /** Delivers while there is work (the lock held); ends idle, or throws. */
  const deliver = async (isLost: () => Error | undefined) => {
    const queues = new DeliveryQueues();
    const answers: Answer[] = [];
    const flying = new Set<Promise<void>>();
    /** The last sweep read every undelivered row: what notify hands may go straight in. */
    let caughtUp = false;
    let sweptAt = -Infinity;
    const fly = (dispatch: Dispatch) => {
      const flight = signal(pool, gateway, dispatch, options.metrics).then(
        () => { answers.push({ dispatch, error: null, at: clock() }); },
        (err: unknown) => { answers.push({ dispatch, error: err instanceof Error ? err : new Error(String(err)), at: clock() }); },
      ).finally(() => { flying.delete(flight); wake(); });
      flying.add(flight);
    };
    try {
      for (;;) {
        if (stopped) return;
        const lost = isLost();
        if (lost !== undefined) throw lost;
        // What Temporal answered.
        settle(queues, answers.splice(0));
        if (retrySoon) {
          retrySoon = false;
          retry = retryBase;
          if (failedAt !== null) queues.retryBy(failedAt + retryBase);
        }
        // Marked together: every event whose journeys all have it.
        await markDelivered(queues);
        // Taken in: a sweep when asked or due, or while behind and little is held; then what notify handed.
        if (sweepWanted || Date.now() - sweptAt >= sweepWhileDelivering || (!caughtUp && queues.held < SWEEP_LIMIT / 2)) {
          sweepWanted = false;
          sweptAt = Date.now();
          const rows = await undeliveredEvents(pool, SWEEP_LIMIT);
          caughtUp = rows.length < SWEEP_LIMIT;
          await takeIn(queues, rows);
        }
        const rows = handed.filter((row) => !marked.has(row.id));
        handed = [];
        // Behind, the handed rows would overtake older ones of the same journeys: a later sweep reads them in order.
        if (caughtUp) await takeIn(queues, rows);
        // Signalled: every ready journey, up to the limit.
        while (queues.inFlight < concurrency) {
          const dispatch = queues.take(Date.now());
          if (dispatch === null) break;
          fly(dispatch);
        }
        await closesIfDue();
        if (queues.settled && caughtUp && handed.length === 0 && answers.length === 0 && !sweepWanted) return;
        if (answers.length > 0 || handed.length > 0 || queues.markable > 0) continue;
        const retryAt = queues.nextRetryAt();
        const sweepIn = sweptAt + sweepWhileDelivering - Date.now();
        await waitForWake(Math.min(sweepIn, retryAt === null ? Infinity : retryAt - Date.now()));
      }
    } finally {
      // Signals in flight land and, the lock still held, what they delivered is marked; if that fails,
      // it is sent again later and dropped by the journeys.
      await Promise.allSettled([...flying]);
      if (isLost() === undefined) {
        settle(queues, answers.splice(0));
        await markDelivered(queues).catch((err: Error) => warn(`event delivery: ${err.message}`));
      }
    }
  };

  /** One turn: take the lock, deliver until idle, let the lock go. */
  const turn = async (): Promise<Turn> => {
    const lock = await pool.connect();
    // A checked-out client has no pool listener: without this, Postgres ending the
    // session (restart, failover) mid-turn emits an unhandled 'error' and kills the
    // API process (seen on the cluster tier's Postgres restart). The session, and
    // with it the lock, is gone; the client is discarded and the next turn reconnects.
    let lost: Error | undefined;
    const onError = (err: Error) => { lost = err; };
    lock.on('error', onError);
    try {
      // Two loops at once (two API servers on one database) would signal the same events twice
      // and interleave a journey's order; the lock is a session lock on one connection, never a transaction.
      if (!(await tryLock(lock))) return 'busy';
      try {
        await deliver(() => lost);
        return 'idle';
      } finally {
        if (!lost) await unlock(lock).catch((err: Error) => { lost = err; });
      }
    } finally {
      lock.off('error', onError);
      lock.release(lost);
    }
  };

  const run = async () => {
    while (!stopped) {
      let ended: Turn;
      try {
        ended = await turn();
      } catch (err) {
        ended = 'failed';
        warn(`event delivery: ${(err as Error).message}`);
      }
      report(0, true);
      if (stopped) break;
      if (ended !== 'idle') {
        // Another server is delivering (it sweeps up what this one stored), or Postgres failed us:
        // try again from a sweep after a pause no notify cuts short (a failing turn per request
        // would take the time of the requests themselves).
        handed = [];
        sweepWanted = true;
        await pause(retry);
        retry = Math.min(retry * 2, RETRY_MAX_MS);
        continue;
      }
      if (failedAt === null) retry = retryBase;
      if (handed.length > 0 || sweepWanted) continue;
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
      try {
        await closesIfDue();
      } catch (err) {
        warn(`task closes: ${(err as Error).message}`);
      }
      const woke = await waitForWake(sweepEveryMs);
      if (!woke) sweepWanted = true;
      else if (!stopped && gatherMs > 0) await new Promise((resolve) => setTimeout(resolve, gatherMs));
    }
    for (const resolve of idleWaiters) resolve();
    idleWaiters = [];
  };
  const running = run();

  return {
    notify(handedChecked, stored) {
      if (handedChecked !== undefined) for (const [id, byJourney] of handedChecked) if (!marked.has(id)) checked.set(id, byJourney);
      // Bounded: events another server delivered never leave through this loop's marks.
      dropOldest(checked, CHECKED_KEPT);
      if (stored === undefined) sweepWanted = true;
      else handed.push(...stored);
      if (failedAt !== null) retrySoon = true;
      wake();
    },
    idle() {
      return new Promise<void>((resolve) => {
        if (stopped) return resolve();
        idleWaiters.push(resolve);
        sweepWanted = true;
        wake();
      });
    },
    async backlog() {
      const b = await deliveryBacklog(pool);
      return { ...b, lagMs: b.oldestReceivedAt === null ? 0 : Math.max(0, Date.now() - b.oldestReceivedAt.getTime()) };
    },
    async stop() {
      stopped = true;
      stopPause?.();
      wake();
      await running;
    },
  };
}
