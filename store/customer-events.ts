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

/** The pins a customer's events were checked against: the text of {@link CUSTOMER_PINS_SQL}, null for no journey. */
export interface ExpectedPins {
  customerId: string;
  pins: string | null;
}

/** One request's events, stored all or nothing on the condition of its `expected` pins (none: unconditionally). */
export interface PinnedBatch {
  events: StoredEvent[];
  expected: ExpectedPins[];
}

/** What became of a {@link PinnedBatch}: the ids it inserted, or (nothing inserted) the customers whose pins moved. */
export interface PinnedOutcome {
  inserted: Set<string>;
  stale: string[];
}

/**
 * {@link insertCustomerEvents} on a condition, still in one statement: only
 * if each of `expected`'s customers has exactly the journey pins it names,
 * which are the pins the events were checked against. Otherwise nothing is
 * inserted and `stale` names the customers whose journeys changed (enrolled,
 * migrated) since: check the events again against what they have now.
 */
export async function insertPinnedEvents(db: Queryable, events: StoredEvent[], expected: ExpectedPins[]): Promise<PinnedOutcome> {
  return (await insertPinnedBatches(db, [{ events, expected }]))[0]!;
}

/**
 * Several requests' {@link PinnedBatch}es in one statement (one round trip,
 * one commit: client/api/event-insert-groups.ts), each decided on its own:
 * a batch whose pins moved inserts nothing and does not hold back the
 * others. An id in several batches is inserted once, by the first batch
 * (in order) that stores; for the later ones it is a duplicate, as it would
 * be had they come one after another.
 */
export async function insertPinnedBatches(db: Queryable, batches: readonly PinnedBatch[]): Promise<PinnedOutcome[]> {
  const outcomes = batches.map((): PinnedOutcome => ({ inserted: new Set(), stale: [] }));
  const rows = batches.flatMap((batch, b) => batch.events.map((event) => ({ event, b })));
  if (rows.length === 0) return outcomes;
  const expected = batches.flatMap((batch, b) => batch.expected.map((x) => ({ ...x, b })));
  const result = await db.query<{ event_id: string | null; batch: number | null; stale: string | null }>(
    `WITH stale AS (
       SELECT x.batch, x.customer_id FROM unnest($7::int[], $8::text[], $9::text[]) AS x (batch, customer_id, pins)
        WHERE x.pins IS DISTINCT FROM (SELECT ${CUSTOMER_PINS_SQL} FROM journeys j WHERE j.customer_id = x.customer_id)
     ), inserted AS (
       INSERT INTO customer_events (event_id, customer_id, type, at, data)
       SELECT id, customer, type, at, data
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::int[]) WITH ORDINALITY AS e (id, customer, type, at, data, batch, n)
        WHERE NOT EXISTS (SELECT 1 FROM stale s WHERE s.batch = e.batch)
        ORDER BY n
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id
     )
     SELECT event_id, NULL::int AS batch, NULL AS stale FROM inserted UNION ALL SELECT NULL, batch, customer_id FROM stale`,
    [rows.map((r) => r.event.id), rows.map((r) => r.event.customerId), rows.map((r) => r.event.type),
      rows.map((r) => new Date(r.event.at).toISOString()), rows.map((r) => JSON.stringify(r.event.data)), rows.map((r) => r.b),
      expected.map((x) => x.b), expected.map((x) => x.customerId), expected.map((x) => x.pins)]);
  const insertedIds = new Set<string>();
  for (const row of result.rows) {
    if (row.stale !== null) outcomes[row.batch!]!.stale.push(row.stale);
    if (row.event_id !== null) insertedIds.add(row.event_id);
  }
  // RETURNING cannot name the batch: an inserted id belongs to the first batch holding it that was not stale.
  for (const { event, b } of rows) {
    if (outcomes[b]!.stale.length > 0 || !insertedIds.delete(event.id)) continue;
    outcomes[b]!.inserted.add(event.id);
  }
  return outcomes;
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
