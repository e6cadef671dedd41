/**
 * Signals stored customer events to the journeys that declare them, and
 * refreshes those journeys' reports in the read model. A journey is never
 * signalled an event of a type it pulls itself (its metric feed,
 * workflows/metric-feed.ts); such an event is marked signalled all the same:
 * handed over, it waits in the table for the journey's next pull.
 *
 * Delivery runs right after a batch is stored and again from a periodic
 * sweep over `customer_events.signalled_at IS NULL`, so an event stored while
 * Temporal was unreachable still reaches its journey later. Signals are not
 * idempotent in Temporal, but the workflow ignores an event id it has already
 * seen, so redelivery after a crash between signal and mark is harmless.
 */
import { markEventsSignalled, unsignalledEvents, type StoredEvent } from '../../store/customer-events.ts';
import { saveJourneyReport, type JourneyRow } from '../../store/journeys.ts';
import { enrolmentOf } from './enrol.ts';
import type { MetricFeed } from '../../workflows/metric-feed.ts';
import type { Pool } from '../../store/pool.ts';
import { loadCustomerJourneys } from './accept-events.ts';
import { checkEventFor } from './declaration-checks.ts';
import type { ApiJourneyGateway } from './deps.ts';
import { formatInstant } from '../../workflows/engine/instant.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';

/** Most events in one signal (keeps a signal's payload well under Temporal's limits). */
const SIGNAL_BATCH = 200;

/** What one delivery run did. */
export interface DeliveryResult {
  signalled: number;
  failed: Array<{ eventId: string; error: string }>;
  /** Journeys that received at least one event: their reports are stale. */
  touched: Array<{ workflowId: string; playbook: string; customerId: string }>;
}

/**
 * Signals `events` (already stored) to their customers' journeys, one
 * journey's events in order, journeys in parallel; marks the fully delivered
 * events as signalled.
 */
export async function deliverStoredEvents(pool: Pool, gateway: ApiJourneyGateway, events: StoredEvent[], now: number, metrics?: MetricFeed): Promise<DeliveryResult> {
  const result: DeliveryResult = { signalled: 0, failed: [], touched: [] };
  if (events.length === 0) return result;
  const journeys = await loadCustomerJourneys(pool, events.map((e) => e.customerId));
  // Per journey, its events in order.
  const queues = new Map<string, { journey: JourneyRow; items: Array<{ stored: StoredEvent; event: ReturnType<typeof checkEventFor> }> }>();
  const failedIds = new Set<string>();
  for (const stored of events) {
    for (const journey of journeys.get(stored.customerId)?.journeys ?? []) {
      // Not declared, or pulled by the journey itself (a metric feed type): nothing to signal.
      if (journey.ir.events[stored.type] === undefined || journey.metricEvents.includes(stored.type)) continue;
      const queue = queues.get(journey.workflowId) ?? { journey, items: [] };
      queue.items.push({ stored, event: checkEventFor(journey.ir, { id: stored.id, type: stored.type, at: formatInstant(stored.at), data: stored.data }) });
      queues.set(journey.workflowId, queue);
    }
  }
  await Promise.all([...queues].map(async ([workflowId, queue]) => {
    const { playbook, customerId } = queue.journey;
    const valid: Array<{ stored: StoredEvent; event: JourneyEvent }> = [];
    for (const { stored, event } of queue.items) {
      if (event.ok) valid.push({ stored, event: event.value });
      else {
        // Validated when accepted; a failure now means the row was edited by hand.
        failedIds.add(stored.id);
        result.failed.push({ eventId: stored.id, error: event.errors.join('; ') });
      }
    }
    let delivered = 0;
    const fail = (from: number, err: unknown) => {
      // Keep this journey's order: the rest waits for the next sweep.
      for (const { stored } of valid.slice(from)) failedIds.add(stored.id);
      result.failed.push({ eventId: valid[from]!.stored.id, error: (err as Error).message });
    };
    if (gateway.deliverEvents !== undefined) {
      for (let i = 0; i < valid.length; i += SIGNAL_BATCH) {
        try {
          await gateway.deliverEvents({
            playbook, customerId, events: valid.slice(i, i + SIGNAL_BATCH).map((v) => v.event),
            // A journey recorded but never started (its enrolment was cut short) starts with its events.
            startWith: () => enrolmentOf(pool, queue.journey, metrics),
          });
          delivered += Math.min(SIGNAL_BATCH, valid.length - i);
        } catch (err) {
          fail(i, err);
          break;
        }
      }
    } else {
      for (let i = 0; i < valid.length; i++) {
        try {
          await gateway.deliverEvent({ playbook, customerId, event: valid[i]!.event });
          delivered += 1;
        } catch (err) {
          fail(i, err);
          break;
        }
      }
    }
    if (delivered > 0) result.touched.push({ workflowId, playbook, customerId });
  }));
  // An event left out of every queue (no declaring journey any more) is done too.
  const done = events.filter((e) => !failedIds.has(e.id)).map((e) => e.id);
  await markEventsSignalled(pool, done, new Date(now));
  result.signalled = done.length;
  return result;
}

/** Delivers up to `limit` events still unsignalled, oldest first. */
export async function sweepUnsignalledEvents(pool: Pool, gateway: ApiJourneyGateway, now: number, limit = 1000, metrics?: MetricFeed): Promise<DeliveryResult> {
  return deliverStoredEvents(pool, gateway, await unsignalledEvents(pool, limit), now, metrics);
}

/**
 * Reads each journey's report as of `now` from Temporal and stores it in
 * `journeys.last_report`. Failures are returned, not thrown: a journey that
 * cannot answer keeps its previous report.
 */
export async function refreshReports(pool: Pool, gateway: ApiJourneyGateway, journeys: Array<{ workflowId: string; playbook: string; customerId: string }>, now: number, concurrency = 8): Promise<{ refreshed: number; failed: number }> {
  let refreshed = 0;
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < journeys.length) {
      const journey = journeys[next++]!;
      try {
        await saveJourneyReport(pool, journey.workflowId, await gateway.report(journey.playbook, journey.customerId, now));
        refreshed += 1;
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, journeys.length) }, worker));
  return { refreshed, failed };
}
