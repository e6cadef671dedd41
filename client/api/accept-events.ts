/**
 * `POST /events`: validate a batch against the customers' playbooks and store
 * it (all or nothing). Each event is checked once, here, against every
 * journey that declares it; the checked events are handed to the delivery
 * loop (event-delivery.ts), which signals the journeys after the 202.
 *
 * The customers' journeys and pinned IRs come from journey-pins.ts's cache,
 * and the batch is stored only if they are still what it was checked
 * against, in the same statement: a small batch is one round trip, which
 * requests arriving together share (event-insert-groups.ts, group commit).
 *
 * Order matters (ARCHITECTURE, "events are stored before they are
 * signalled"): an event is in `customer_events` before any journey hears of
 * it, so a journey that is down or not yet started loses nothing.
 */
import { insertPinnedEvents, insertRejectedEvents, type RejectedEvent, type StoredEvent } from '../../store/customer-events.ts';
import type { Pool } from '../../store/pool.ts';
import { EventBody, describeIssues } from './bodies.ts';
import type { EventInsertGroups } from './event-insert-groups.ts';
import { checkEventFor } from './declaration-checks.ts';
import type { CheckedEvents } from './event-delivery.ts';
import { JourneyPinCache, type PinnedJourneys } from './journey-pins.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';
import { rejectionsToKeep } from './rejections.ts';

/** One refused event of a batch (reference §15). */
export interface EventError {
  index: number;
  id: string | null;
  error: string;
}

/** A data field no playbook of the customer declares for the event's type (reference §15 `ignored_fields`). */
export interface IgnoredField {
  index: number;
  field: string;
}

/** What a batch came to. `checked`: the stored events as each declaring journey receives them. */
export type AcceptOutcome =
  | { ok: true; accepted: number; duplicates: number; stored: StoredEvent[]; ignoredFields: IgnoredField[]; checked: CheckedEvents }
  | { ok: false; errors: EventError[] };

/**
 * Validates one event against every playbook its customer is enrolled in:
 * at least one must declare its type, and every declaring playbook must
 * accept its fields. Returns the reason it is refused, or the event as each
 * declaring journey receives it (by workflow id).
 */
export function checkEvent(event: EventBody, journeys: PinnedJourneys | undefined): { refused: string } | { byJourney: Map<string, JourneyEvent>; declared: Set<string> } {
  if (journeys === undefined) return { refused: `unknown customer '${event.customer}' (not enrolled in any playbook)` };
  const declaring = journeys.journeys.filter((j) => Object.hasOwn(j.ir.events, event.type));
  if (declaring.length === 0) {
    const playbooks = journeys.journeys.map((j) => j.playbook).join(', ');
    return { refused: `event type '${event.type}' is not declared by the playbooks customer '${event.customer}' is enrolled in (${playbooks})` };
  }
  const byJourney = new Map<string, JourneyEvent>();
  const declared = new Set<string>();
  for (const journey of declaring) {
    const checked = checkEventFor(journey.ir, event);
    if (!checked.ok) return { refused: checked.errors.join('; ') };
    byJourney.set(journey.workflowId, checked.value);
    for (const field of Object.keys(journey.ir.events[event.type]!)) declared.add(field);
  }
  return { byJourney, declared };
}

/** What a server keeps between requests to store events faster (none: every batch alone, its pins read). */
export interface EventIntake {
  pins?: JourneyPinCache;
  groups?: EventInsertGroups;
}

/** Attempts at storing a batch against kept pins before storing it on pins just read, unconditionally (as before the cache). */
const PINNED_ATTEMPTS = 3;

/**
 * Validates and stores a batch. Any invalid event refuses the whole batch:
 * nothing is stored but the invalid events themselves, in `rejected_events`
 * with their reasons. Ids already stored (or repeated in the batch) count
 * as duplicates and are not applied again.
 *
 * Round trips: one when `intake.pins` holds the batch's customers (the usual
 * case for an integration's stream), the insert being conditional on their
 * pins (journey-pins.ts), and shared with concurrent requests' when
 * `intake.groups` is given (event-insert-groups.ts); a refusal is decided on
 * pins read for it.
 */
export async function acceptEvents(pool: Pool, items: unknown[], intake: EventIntake = {}): Promise<AcceptOutcome> {
  const pins = intake.pins ?? new JourneyPinCache(0);
  const groups = intake.groups;
  const shapeErrors: EventError[] = [];
  const shapeRejected: RejectedEvent[] = [];
  const parsed: Array<{ index: number; event: EventBody }> = [];
  items.forEach((item, index) => {
    const result = EventBody.safeParse(item);
    if (result.success) parsed.push({ index, event: result.data });
    else {
      const id = stringField(item, 'id');
      const error = describeIssues(result.error).join('; ');
      shapeErrors.push({ index, id, error });
      shapeRejected.push({ eventId: id, customerId: stringField(item, 'customer'), payload: item, reason: error });
    }
  });
  const customers = parsed.map((p) => p.event.customer);
  let known = await pins.read(pool, customers, false);
  for (let attempt = 1; ; attempt++) {
    const batch = checkBatch(items, parsed, known.journeys);
    const errors = [...shapeErrors, ...batch.errors];
    if (errors.length > 0) {
      // Refused on kept pins: the customer may have enrolled since; decide on what it has now.
      if (!known.fresh && batch.errors.length > 0) { known = await pins.read(pool, customers, true); continue; }
      errors.sort((a, b) => a.index - b.index);
      await insertRejectedEvents(pool, rejectionsToKeep([...shapeRejected, ...batch.rejected]));
      return { ok: false, errors };
    }
    const expected = attempt < PINNED_ATTEMPTS
      ? [...new Set(batch.unique.map((e) => e.customerId))].map((customerId) => ({ customerId, pins: known.journeys.get(customerId)?.pins ?? null }))
      : [];
    const { inserted, stale } = groups === undefined
      ? await insertPinnedEvents(pool, batch.unique, expected)
      : await groups.insert({ events: batch.unique, expected });
    if (stale.length > 0) { known = await pins.read(pool, customers, true); continue; }
    const stored = batch.unique.filter((e) => inserted.has(e.id));
    const checked = batch.checked;
    for (const id of checked.keys()) if (!inserted.has(id)) checked.delete(id);
    return { ok: true, accepted: stored.length, duplicates: items.length - stored.length, stored, ignoredFields: batch.ignoredFields, checked };
  }
}

/** Checks the parsed events of a batch against their customers' journeys: what is refused, and what would be stored. */
function checkBatch(items: unknown[], parsed: Array<{ index: number; event: EventBody }>, journeys: Map<string, PinnedJourneys>) {
  const errors: EventError[] = [];
  const rejected: RejectedEvent[] = [];
  const checkedEvents: CheckedEvents = new Map();
  const ignoredFields: IgnoredField[] = [];
  const unique: StoredEvent[] = [];
  for (const { index, event } of parsed) {
    const checked = checkEvent(event, journeys.get(event.customer));
    if ('refused' in checked) {
      errors.push({ index, id: event.id, error: checked.refused });
      rejected.push({ eventId: event.id, customerId: event.customer, payload: event, reason: checked.refused });
      continue;
    }
    // From the body as sent: zod's record drops a `__proto__` key, which is a field ignored all the same.
    for (const field of dataKeys(items[index])) if (!checked.declared.has(field)) ignoredFields.push({ index, field });
    // Within a batch the first occurrence of an id wins, like a later batch would.
    if (checkedEvents.has(event.id)) continue;
    checkedEvents.set(event.id, checked.byJourney);
    const at = checked.byJourney.values().next().value!.at;
    unique.push({ id: event.id, customerId: event.customer, type: event.type, at, data: event.data ?? {} });
  }
  return { errors, rejected, checked: checkedEvents, ignoredFields, unique };
}

/** The keys of an event's `data` as sent (own keys, `__proto__` included). */
function dataKeys(item: unknown): string[] {
  const data = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).data : undefined;
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? Object.keys(data) : [];
}

function stringField(item: unknown, key: string): string | null {
  if (typeof item !== 'object' || item === null) return null;
  const value = (item as Record<string, unknown>)[key];
  return typeof value === 'string' ? value.slice(0, 200) : null;
}
