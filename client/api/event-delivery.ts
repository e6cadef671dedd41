/**
 * The delivery loop: hands stored customer events to the journeys that
 * declare them, in arrival order per journey, and a person's task closes
 * recorded but not yet heard by their journey (POST /tasks/:task/close).
 *
 * `POST /events` answers 202 once a batch is stored (reference §15) and only
 * {@link DeliveryLoop.notify}s this loop, handing it the events it already
 * checked against each journey's IR, so delivery neither re-parses IRs nor
 * re-reads the events' fields; after a restart the loop finds what is still
 * undelivered in `customer_events` (`signalled_at IS NULL`) and converts it
 * once (IRs come parsed from store/playbooks.ts's cache).
 *
 * Each pass takes the oldest undelivered events (by `seq`, arrival order)
 * and gives each journey its waiting events in one signal (at most
 * {@link SIGNAL_BATCH}; the rest wait for the next pass). An event is marked
 * delivered once every journey declaring it has it. A journey whose signal
 * fails keeps its events, and its later events wait behind them, so order
 * holds per journey.
 *
 * Waking (issue 14: the loop shares the process and the pool with the
 * requests it serves): a notify wakes an idle loop, which gathers for
 * {@link DeliveryLoopOptions.gatherMs} so that concurrent requests make one
 * pass; while passes fail (Temporal down), new events retry at most once per
 * `retryEveryMs`; task closes to ask again are looked for at most once a
 * second. An event's `signalled_at` is when its journeys' signals answered.
 *
 * Exactly once: a signal is not idempotent in Temporal, and the process can
 * die after a signal succeeded but before its events were marked. The next
 * pass then signals them again, and the workflow drops them: it remembers the
 * last 500 event ids it received (workflows/journey-driver.ts). Because a
 * journey is re-sent only its oldest unmarked events and never more than
 * {@link SIGNAL_BATCH} (200) are unmarked at once, a re-sent id is always
 * among the last 200 the journey received, well inside that window.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { deliveryBacklog, markEventsSignalled, undeliveredEvents } from '../../store/customer-events.ts';
import { tryAdvisoryLock as tryLockKey, advisoryUnlock as unlockKey } from '../../store/advisory-lock.ts';
import { journeysOfCustomers, type JourneyRow } from '../../store/journeys.ts';
import { pinKey, pinnedIRs } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';
import { pendingTaskCloses } from '../../store/tasks.ts';
import type { MetricFeed } from '../../workflows/metric-feed.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';
import type { ApiJourneyGateway } from './deps.ts';
import { enrolmentOf } from './enrol.ts';
import { journeyEvent } from './journey-events.ts';

const tryLock = (db: Parameters<typeof tryLockKey>[0]) => tryLockKey(db, DELIVERY_LOCK_KEY);
const unlock = (db: Parameters<typeof unlockKey>[0]) => unlockKey(db, DELIVERY_LOCK_KEY);

/** Most events one journey gets in one signal (and unmarked at once; see the exactly-once note). */
export const SIGNAL_BATCH = 200;

/** Most checked events kept for delivery (beyond it, the oldest are converted again from their rows). */
const CHECKED_KEPT = 100_000;

/** Events checked by `POST /events`: event id → workflow id → the journey's event. */
export type CheckedEvents = Map<string, Map<string, JourneyEvent>>;

/** What one pass did. */
export interface DeliveryResult {
  /** Events marked delivered. */
  delivered: number;
  failed: Array<{ eventId: string; error: string }>;
  /** Events read this pass (a full page means more may wait). */
  read: number;
  /** Another process's pass was running: this one did nothing. */
  busy?: boolean;
}

/** `pg_advisory_lock` key of the delivery pass ("mp-deliv" in ASCII): one pass at a time across API processes. */
const DELIVERY_LOCK_KEY = 0x6d702d64656c6976n.toString();

/** Each customer's journeys as recorded, with their pinned IRs; a customer without a journey is absent. */
async function loadCustomerJourneys(pool: Pool, customerIds: string[]): Promise<Map<string, Array<JourneyRow & { ir: PlaybookIR }>>> {
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
 * One pass over the oldest `limit` undelivered events. `checked` supplies
 * events already converted by the API (the rest are converted from their
 * rows); entries delivered are removed from it. `clock` stamps each
 * event's `signalled_at` when its journeys' signals have answered.
 */
export async function deliverPass(pool: Pool, gateway: ApiJourneyGateway, clock: () => number, options: {
  limit?: number; checked?: CheckedEvents; metrics?: MetricFeed; concurrency?: number;
} = {}): Promise<DeliveryResult> {
  // Two passes at once (two API servers on one database) would signal the same events twice and
  // interleave a journey's order; the lock is a session lock held on one connection, never a transaction.
  const lock = await pool.connect();
  // A checked-out client has no pool listener: without this, Postgres ending the
  // session (restart, failover) mid-pass emits an unhandled 'error' and kills the
  // API process (seen on the cluster tier's Postgres restart). The session, and
  // with it the lock, is gone; the client is discarded and the next pass reconnects.
  let lost: Error | undefined;
  const onError = (err: Error) => { lost = err; };
  lock.on('error', onError);
  try {
    if (!(await tryLock(lock))) return { delivered: 0, failed: [], read: 0, busy: true };
    try {
      return await pass(pool, gateway, clock, options);
    } finally {
      if (!lost) await unlock(lock).catch((err: Error) => { lost = err; });
    }
  } finally {
    lock.off('error', onError);
    lock.release(lost);
  }
}

async function pass(pool: Pool, gateway: ApiJourneyGateway, clock: () => number, options: {
  limit?: number; checked?: CheckedEvents; metrics?: MetricFeed; concurrency?: number;
}): Promise<DeliveryResult> {
  const events = await undeliveredEvents(pool, options.limit ?? 1000);
  const result: DeliveryResult = { delivered: 0, failed: [], read: events.length };
  if (events.length === 0) return result;
  const checked = options.checked ?? new Map();
  const journeys = await loadCustomerJourneys(pool, events.map((e) => e.customerId));
  // Per journey, its waiting events in arrival order.
  const queues = new Map<string, { journey: JourneyRow; events: JourneyEvent[]; ids: string[] }>();
  const undelivered = new Set<string>();
  for (const stored of events) {
    for (const journey of journeys.get(stored.customerId) ?? []) {
      // Not declared, or pulled by the journey itself (a metric feed type): nothing to signal.
      if (!Object.hasOwn(journey.ir.events, stored.type) || journey.metricEvents.includes(stored.type)) continue;
      const queue = queues.get(journey.workflowId) ?? { journey, events: [], ids: [] };
      queues.set(journey.workflowId, queue);
      if (queue.events.length >= SIGNAL_BATCH) { undelivered.add(stored.id); continue; }
      const event = checked.get(stored.id)?.get(journey.workflowId) ?? journeyEvent(journey.ir, stored);
      if (event === null) {
        // Validated when accepted; a failure now means the row was edited by hand: keep it, say so.
        undelivered.add(stored.id);
        result.failed.push({ eventId: stored.id, error: `no longer valid for ${journey.playbook}` });
        continue;
      }
      queue.events.push(event);
      queue.ids.push(stored.id);
    }
  }
  const work = [...queues.values()];
  /** When each event's last journey answered its signal (ms). */
  const answered = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const queue = work[next++]!;
      if (queue.events.length === 0) continue;
      const journeyId = queue.journey.workflowId;
      try {
        if (gateway.deliverEvents !== undefined) {
          // A journey recorded but never started (its enrolment was cut short) starts with its events;
          // a finished one is not started again (delivered: false, nothing more to do).
          await gateway.deliverEvents({ journeyId, events: queue.events, startWith: () => enrolmentOf(pool, queue.journey, options.metrics) });
        } else {
          for (const event of queue.events) await gateway.deliverEvent({ journeyId, event });
        }
        const at = clock();
        for (const id of queue.ids) answered.set(id, Math.max(answered.get(id) ?? at, at));
      } catch (err) {
        for (const id of queue.ids) undelivered.add(id);
        result.failed.push({ eventId: queue.ids[0]!, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, work.length) }, worker));
  // An event no journey declares any more is done too.
  const done = events.filter((e) => !undelivered.has(e.id)).map((e) => e.id);
  // Each event stamped when its (last) journey's signal answered, not when the pass began: the lag is honest.
  const end = clock();
  await markEventsSignalled(pool, done.map((id) => ({ id, at: new Date(answered.get(id) ?? end) })));
  for (const id of done) checked.delete(id);
  result.delivered = done.length;
  return result;
}

/**
 * Asks the journeys again for the task closes recorded more than
 * `olderThanMs` ago that they have not made yet (the API's own call failed,
 * or the process died after recording). Idempotent in the workflow.
 */
export async function deliverTaskCloses(pool: Pool, gateway: ApiJourneyGateway, now: number, olderThanMs = 10_000): Promise<number> {
  if (gateway.closeTask === undefined) return 0;
  let asked = 0;
  for (const task of await pendingTaskCloses(pool, 100)) {
    if (task.close_requested_at === null || now - task.close_requested_at.getTime() < olderThanMs) continue;
    try {
      await gateway.closeTask(task.journey_id, { task: task.task_id, by: task.close_requested_by ?? 'unknown', note: task.close_requested_note ?? '' });
      asked += 1;
    } catch {
      // Temporal down, or the journey refused it: the next pass tries again.
    }
  }
  return asked;
}

/** The loop: `notify` after storing, `idle` to wait until nothing is waiting (tests), `stop` on shutdown. */
export interface DeliveryLoop {
  /** Wakes the loop; `checked` hands it events already converted for their journeys. */
  notify(checked?: CheckedEvents): void;
  /** Resolves once a pass found nothing left to deliver (or the loop stopped). */
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
  /** Wait after a pass that could not deliver everything (Temporal down), ms; doubles to 30 s. Default 500. */
  retryEveryMs?: number;
  /** Sweep for anything stored by another process, ms. Default 5 s. */
  sweepEveryMs?: number;
  /** Ask a journey again for a person's task close it has not made after this long, ms. Default 10 s. */
  taskCloseRetryMs?: number;
  /**
   * Wait after a notify wakes the idle loop before its pass, ms, so that the
   * events of concurrent requests go in one pass (one read, one mark, one
   * signal per journey) instead of a pass each. Default 20.
   */
  gatherMs?: number;
  warn?: (message: string) => void;
  /** Hears each pass that delivered something: how many events, and how long the pass took (ms). */
  onDelivered?: (count: number, passMs: number) => void;
}

/** Looks for task closes to ask again at most this often, ms (a query; every pass used to run it). */
const TASK_CLOSE_CHECK_MS = 1000;

/** Starts the loop (its first pass right away: what an earlier process left undelivered). */
export function startDeliveryLoop(options: DeliveryLoopOptions): DeliveryLoop {
  const { pool, gateway, clock } = options;
  const warn = options.warn ?? (() => {});
  const checked: CheckedEvents = new Map();
  let stopped = false;
  let wake: (() => void) | null = null;
  let pending = true;
  let idleWaiters: Array<() => void> = [];
  const retryBase = options.retryEveryMs ?? 500;
  const gatherMs = options.gatherMs ?? 20;
  let retry = retryBase;
  /** When the last pass that could not deliver everything ended (wall clock ms); null after one that could. */
  let failedAt: number | null = null;
  /** The retry a notify asked for while a failed pass was too recent to try again. */
  let retrySoon: NodeJS.Timeout | null = null;
  let closesCheckedAt = -Infinity;

  /** Sleeps `ms` or until woken; true when woken. */
  const sleep = (ms: number) => new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => { wake = null; resolve(false); }, ms);
    wake = () => { clearTimeout(timer); wake = null; resolve(true); };
  });

  const run = async () => {
    while (!stopped) {
      pending = false;
      let more = false;
      let failed = false;
      try {
        const started = clock();
        const pass = await deliverPass(pool, gateway, clock, { checked, ...(options.metrics === undefined ? {} : { metrics: options.metrics }) });
        if (pass.delivered > 0) options.onDelivered?.(pass.delivered, clock() - started);
        // Another server is delivering: try again shortly (what it delivers is marked; the rest waits for us).
        if (pass.busy === true) failed = true;
        if (pass.failed.length > 0) {
          failed = true;
          warn(`${pass.failed.length} stored events not yet delivered: ${pass.failed[0]!.error}`);
        }
        more = pass.read > 0 && (pass.delivered > 0 || pass.read === 1000);
        // Wall-clock age of the request (its row has the database's now()), whatever the domain clock.
        if (Date.now() - closesCheckedAt >= TASK_CLOSE_CHECK_MS) {
          closesCheckedAt = Date.now();
          await deliverTaskCloses(pool, gateway, closesCheckedAt, options.taskCloseRetryMs);
        }
      } catch (err) {
        failed = true;
        warn(`event delivery: ${(err as Error).message}`);
      }
      if (stopped) break;
      if (failed) {
        failedAt = Date.now();
        await sleep(retry);
        retry = Math.min(retry * 2, 30_000);
        continue;
      }
      failedAt = null;
      retry = retryBase;
      if (more || pending) continue;
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
      if (await sleep(options.sweepEveryMs ?? 5000) && !stopped && gatherMs > 0) await new Promise((resolve) => setTimeout(resolve, gatherMs));
    }
    for (const resolve of idleWaiters) resolve();
    idleWaiters = [];
  };
  const running = run();

  return {
    notify(handed) {
      if (handed !== undefined) for (const [id, byJourney] of handed) checked.set(id, byJourney);
      // Bounded: events another server delivered never leave through this loop's marks.
      while (checked.size > CHECKED_KEPT) checked.delete(checked.keys().next().value!);
      pending = true;
      // After a pass that could not deliver (Temporal down), new events retry it soon, but at most once
      // per retryEveryMs: under load, a failing pass per request (each a round of refused signals)
      // took the time of the requests themselves.
      const wait = failedAt === null ? 0 : failedAt + retryBase - Date.now();
      if (wait > 0) {
        retrySoon ??= setTimeout(() => { retrySoon = null; retry = retryBase; wake?.(); }, wait);
        return;
      }
      retry = retryBase;
      wake?.();
    },
    idle() {
      return new Promise<void>((resolve) => {
        if (stopped) return resolve();
        idleWaiters.push(resolve);
        pending = true;
        wake?.();
      });
    },
    async backlog() {
      const b = await deliveryBacklog(pool);
      return { ...b, lagMs: b.oldestReceivedAt === null ? 0 : Math.max(0, Date.now() - b.oldestReceivedAt.getTime()) };
    },
    async stop() {
      stopped = true;
      if (retrySoon !== null) clearTimeout(retrySoon);
      wake?.();
      await running;
    },
  };
}
