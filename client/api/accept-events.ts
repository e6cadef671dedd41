/**
 * `POST /events`: validate a batch against the customers' playbooks, store it
 * (all or nothing), then signal the journeys.
 *
 * Order matters (ARCHITECTURE, "events are stored before they are
 * signalled"): an event is in `customer_events` before any journey hears of
 * it, so a journey that is down or not yet started loses nothing; the
 * delivery sweep (event-delivery.ts) signals what is still unsignalled.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { insertCustomerEvents, insertRejectedEvents, type RejectedEvent, type StoredEvent } from '../../store/customer-events.ts';
import { journeysOfCustomers, type JourneyRow } from '../../store/journeys.ts';
import { pinKey, playbookVersionsByHash } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';
import { EventBody, describeIssues } from './bodies.ts';
import { checkEventFor } from './declaration-checks.ts';
import { rejectionsToKeep } from './rejections.ts';
import { parseInstant } from '../../workflows/engine/instant.ts';

/** One refused event of a batch (SPEC §15). */
export interface EventError {
  index: number;
  id: string | null;
  error: string;
}

/** What a batch came to. */
export type AcceptOutcome =
  | { ok: true; accepted: number; duplicates: number; stored: StoredEvent[] }
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
 * accept its fields. Returns the reason it is refused, or null.
 */
export function refuseEvent(event: EventBody, journeys: CustomerJourneys | undefined): string | null {
  if (journeys === undefined) return `unknown customer '${event.customer}' (not enrolled in any playbook)`;
  const declaring = journeys.journeys.filter((j) => j.ir.events[event.type] !== undefined);
  if (declaring.length === 0) {
    const playbooks = journeys.journeys.map((j) => j.playbook).join(', ');
    return `event type '${event.type}' is not declared by the playbooks customer '${event.customer}' is enrolled in (${playbooks})`;
  }
  for (const journey of declaring) {
    const checked = checkEventFor(journey.ir, event);
    if (!checked.ok) return checked.errors.join('; ');
  }
  return null;
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
  for (const { index, event } of parsed) {
    const reason = refuseEvent(event, journeys.get(event.customer));
    if (reason !== null) {
      errors.push({ index, id: event.id, error: reason });
      rejected.push({ eventId: event.id, customerId: event.customer, payload: event, reason });
    }
  }
  if (errors.length > 0) {
    errors.sort((a, b) => a.index - b.index);
    await insertRejectedEvents(pool, rejectionsToKeep(rejected));
    return { ok: false, errors };
  }
  // Within a batch the first occurrence of an id wins, like a later batch would.
  const seen = new Set<string>();
  const unique: StoredEvent[] = [];
  for (const { event } of parsed) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    // parseInstant cannot fail here: EventBody already checked `at`.
    unique.push({ id: event.id, customerId: event.customer, type: event.type, at: parseInstant(event.at) as number, data: event.data ?? {} });
  }
  const inserted = await insertCustomerEvents(pool, unique);
  const stored = unique.filter((e) => inserted.has(e.id));
  return { ok: true, accepted: stored.length, duplicates: items.length - stored.length, stored };
}

function stringField(item: unknown, key: string): string | null {
  if (typeof item !== 'object' || item === null) return null;
  const value = (item as Record<string, unknown>)[key];
  return typeof value === 'string' ? value.slice(0, 200) : null;
}
