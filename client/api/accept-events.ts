/**
 * `POST /events`: validate a batch against the customers' playbooks and store
 * it (all or nothing). Each event is checked once, here, against every
 * journey that declares it; the checked events are handed to the delivery
 * loop (event-delivery.ts), which signals the journeys after the 202.
 *
 * Order matters (ARCHITECTURE, "events are stored before they are
 * signalled"): an event is in `customer_events` before any journey hears of
 * it, so a journey that is down or not yet started loses nothing.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { insertCustomerEvents, insertRejectedEvents, type RejectedEvent, type StoredEvent } from '../../store/customer-events.ts';
import { journeysOfCustomers, type JourneyRow } from '../../store/journeys.ts';
import { pinKey, playbookVersionsByHash } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';
import { EventBody, describeIssues } from './bodies.ts';
import { checkEventFor } from './declaration-checks.ts';
import type { CheckedEvents } from './event-delivery.ts';
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

/** A customer's journeys with their pinned IRs, for validation and delivery. */
export interface CustomerJourneys {
  customerId: string;
  /** Each journey as recorded, with its pinned IR (`metricEvents`: the types it pulls itself, never signalled to it). */
  journeys: Array<JourneyRow & { ir: PlaybookIR }>;
}

/** Loads the journeys (with pinned IRs) of these customers; customers without a journey are absent. */
export async function loadCustomerJourneys(pool: Pool, customerIds: string[]): Promise<Map<string, CustomerJourneys>> {
  const journeys = await journeysOfCustomers(pool, [...new Set(customerIds)]);
  const versions = await playbookVersionsByHash(pool, journeys.map((j) => ({ playbook: j.playbook, hash: j.playbookHash })));
  const byCustomer = new Map<string, CustomerJourneys>();
  for (const journey of journeys) {
    const version = versions.get(pinKey(journey.playbook, journey.playbookHash));
    if (version === undefined) continue; // pinned version deleted by hand: nothing can validate its events
    const entry = byCustomer.get(journey.customerId) ?? { customerId: journey.customerId, journeys: [] };
    entry.journeys.push({ ...journey, ir: version.ir });
    byCustomer.set(journey.customerId, entry);
  }
  return byCustomer;
}

/**
 * Validates one event against every playbook its customer is enrolled in:
 * at least one must declare its type, and every declaring playbook must
 * accept its fields. Returns the reason it is refused, or the event as each
 * declaring journey receives it (by workflow id).
 */
export function checkEvent(event: EventBody, journeys: CustomerJourneys | undefined): { refused: string } | { byJourney: Map<string, JourneyEvent>; declared: Set<string> } {
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

/**
 * Validates and stores a batch. Any invalid event refuses the whole batch:
 * nothing is stored but the invalid events themselves, in `rejected_events`
 * with their reasons. Ids already stored (or repeated in the batch) count
 * as duplicates and are not applied again.
 */
export async function acceptEvents(pool: Pool, items: unknown[]): Promise<AcceptOutcome> {
  const errors: EventError[] = [];
  const rejected: RejectedEvent[] = [];
  const parsed: Array<{ index: number; event: EventBody }> = [];
  items.forEach((item, index) => {
    const result = EventBody.safeParse(item);
    if (result.success) parsed.push({ index, event: result.data });
    else {
      const id = stringField(item, 'id');
      const error = describeIssues(result.error).join('; ');
      errors.push({ index, id, error });
      rejected.push({ eventId: id, customerId: stringField(item, 'customer'), payload: item, reason: error });
    }
  });
  const journeys = await loadCustomerJourneys(pool, parsed.map((p) => p.event.customer));
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
  if (errors.length > 0) {
    errors.sort((a, b) => a.index - b.index);
    await insertRejectedEvents(pool, rejectionsToKeep(rejected));
    return { ok: false, errors };
  }
  const inserted = await insertCustomerEvents(pool, unique);
  const stored = unique.filter((e) => inserted.has(e.id));
  for (const id of checkedEvents.keys()) if (!inserted.has(id)) checkedEvents.delete(id);
  return { ok: true, accepted: stored.length, duplicates: items.length - stored.length, stored, ignoredFields, checked: checkedEvents };
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
