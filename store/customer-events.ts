/**
 * Customer events as the API stores them: accepted events (keyed by the
 * client's idempotency key) and rejected ones with the reason.
 */
import { CUSTOMER_PINS_SQL } from './journeys.ts';
import type { Queryable } from './queryable.ts';

/** An accepted event, as stored. `at` is epoch ms. */
export interface StoredEvent {
  id: string;
  customerId: string;
  type: string;
  at: number;
  data: Record<string, unknown>;
}

/**
 * Inserts the events whose ids are new, in one statement; returns the ids
 * actually inserted (the rest were already stored: duplicates).
 */
export async function insertCustomerEvents(db: Queryable, events: StoredEvent[]): Promise<Set<string>> {
  return (await insertPinnedEvents(db, events, [])).inserted;
}

/**
 * {@link insertCustomerEvents} on a condition, still in one statement: only
 * if each of `expected`'s customers has exactly the journey pins it names
 * (the text of {@link CUSTOMER_PINS_SQL}, null for none), which are the pins
 * the events were checked against. Otherwise nothing is inserted and `stale`
 * names the customers whose journeys changed (enrolled, migrated) since:
 * check the events again against what they have now.
 */
export async function insertPinnedEvents(db: Queryable, events: StoredEvent[], expected: Array<{ customerId: string; pins: string | null }>): Promise<{ inserted: Set<string>; stale: string[] }> {
  if (events.length === 0) return { inserted: new Set(), stale: [] };
  const { rows } = await db.query<{ event_id: string | null; stale: string | null }>(
    `WITH stale AS (
       SELECT x.customer_id FROM unnest($6::text[], $7::text[]) AS x (customer_id, pins)
        WHERE x.pins IS DISTINCT FROM (SELECT ${CUSTOMER_PINS_SQL} FROM journeys j WHERE j.customer_id = x.customer_id)
     ), inserted AS (
       INSERT INTO customer_events (event_id, customer_id, type, at, data)
       SELECT id, customer, type, at, data
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[]) WITH ORDINALITY AS e (id, customer, type, at, data, n)
        WHERE NOT EXISTS (SELECT 1 FROM stale)
        ORDER BY n
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id
     )
     SELECT event_id, NULL AS stale FROM inserted UNION ALL SELECT NULL, customer_id FROM stale`,
    [events.map((e) => e.id), events.map((e) => e.customerId), events.map((e) => e.type),
      events.map((e) => new Date(e.at).toISOString()), events.map((e) => JSON.stringify(e.data)),
      expected.map((x) => x.customerId), expected.map((x) => x.pins)]);
  const inserted = new Set<string>();
  const stale: string[] = [];
  for (const row of rows) {
    if (row.event_id !== null) inserted.add(row.event_id);
    if (row.stale !== null) stale.push(row.stale);
  }
  return { inserted, stale };
}

/** Marks events as delivered to every journey that declares them (`signalled_at`: each its own instant), in one statement. */
export async function markEventsSignalled(db: Queryable, marks: Array<{ id: string; at: Date }>): Promise<void> {
  if (marks.length === 0) return;
  await db.query(
    `UPDATE customer_events e SET signalled_at = m.at
       FROM unnest($1::text[], $2::timestamptz[]) AS m (id, at)
      WHERE e.event_id = m.id AND e.signalled_at IS NULL`,
    [marks.map((m) => m.id), marks.map((m) => m.at)]);
}

/** Events stored but not yet delivered, in arrival order (`seq`). */
export async function undeliveredEvents(db: Queryable, limit: number): Promise<StoredEvent[]> {
  const { rows } = await db.query<{ event_id: string; customer_id: string; type: string; at: Date; data: Record<string, unknown> }>(
    `SELECT event_id, customer_id, type, at, data FROM customer_events
      WHERE signalled_at IS NULL ORDER BY seq LIMIT $1`, [limit]);
  return rows.map((r) => ({ id: r.event_id, customerId: r.customer_id, type: r.type, at: r.at.getTime(), data: r.data }));
}

/** Delivery lag: how many events wait, and since when the oldest (null when none waits). */
export async function deliveryBacklog(db: Queryable): Promise<{ waiting: number; oldestReceivedAt: Date | null }> {
  const { rows } = await db.query<{ waiting: number; oldest: Date | null }>(
    `SELECT count(*)::int AS waiting, (SELECT received_at FROM customer_events WHERE signalled_at IS NULL ORDER BY seq LIMIT 1) AS oldest
       FROM customer_events WHERE signalled_at IS NULL`);
  return { waiting: rows[0]?.waiting ?? 0, oldestReceivedAt: rows[0]?.oldest ?? null };
}

/**
 * A customer's stored events in time order (equal instants in arrival
 * order, which is how the engine orders them), without the `except` types
 * (a journey's metric feed, which it pulls itself). The one query for "a
 * customer's events": enrolment, migration and the customer page.
 */
export async function eventsOfCustomer(db: Queryable, customerId: string, except: string[] = []): Promise<StoredEvent[]> {
  const { rows } = await db.query<{ event_id: string; type: string; at: Date; data: Record<string, unknown> }>(
    `SELECT event_id, type, at, data FROM customer_events
      WHERE customer_id = $1 AND NOT (type = ANY($2::text[])) ORDER BY at, seq`, [customerId, except]);
  return rows.map((r) => ({ id: r.event_id, customerId, type: r.type, at: r.at.getTime(), data: r.data }));
}

/** A refused event and why. */
export interface RejectedEvent {
  eventId: string | null;
  customerId: string | null;
  payload: unknown;
  reason: string;
}

/** Keeps refused events with their reasons, in one statement. */
export async function insertRejectedEvents(db: Queryable, rejected: RejectedEvent[]): Promise<void> {
  if (rejected.length === 0) return;
  await db.query(
    `INSERT INTO rejected_events (event_id, customer_id, payload, reason)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[])`,
    [rejected.map((r) => r.eventId), rejected.map((r) => r.customerId),
      rejected.map((r) => JSON.stringify(r.payload ?? null)), rejected.map((r) => r.reason)]);
}

/** How long a stored row must have been there before a metric pull takes it (see {@link metricEventsAfter}). */
export const PULL_SETTLE_SECONDS = 2;

/**
 * One page of a customer's stored events of `types`, after `cursor` in the
 * order (received_at, event_id): what a journey pulls (workflows/metric-feed.ts).
 *
 * Rows younger than {@link PULL_SETTLE_SECONDS} are left for the next pull:
 * `received_at` is its transaction's start, so a row committed a moment
 * after a younger one could otherwise fall behind a cursor already past it
 * and never be pulled.
 */
export async function metricEventsAfter(
  db: Queryable,
  customerId: string,
  types: string[],
  cursor: { receivedAt: string; eventId: string } | null,
  limit: number,
  settleSeconds: number = PULL_SETTLE_SECONDS,
): Promise<Array<StoredEvent & { receivedAt: string }>> {
  const { rows } = await db.query<{ event_id: string; type: string; at: Date; data: Record<string, unknown>; received: string }>(
    `SELECT event_id, type, at, data, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received
       FROM customer_events
      WHERE customer_id = $1 AND type = ANY($2::text[])
        AND received_at < now() - make_interval(secs => $5)
        AND ($3::timestamptz IS NULL OR (received_at, event_id) > ($3::timestamptz, $4::text))
      ORDER BY received_at, event_id
      LIMIT $6`,
    [customerId, types, cursor?.receivedAt ?? null, cursor?.eventId ?? '', settleSeconds, limit]);
  return rows.map((r) => ({ id: r.event_id, customerId, type: r.type, at: r.at.getTime(), data: r.data, receivedAt: r.received }));
}
