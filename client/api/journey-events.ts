/**
 * A stored event as a journey's engine event: the one conversion from a
 * `customer_events` row (checked when it was accepted) to the
 * {@link JourneyEvent} a journey pinned to `ir` receives, with `at` handed
 * over as the stored instant (no ISO round trip).
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { eventsOfCustomer, type StoredEvent } from '../../store/customer-events.ts';
import type { Queryable } from '../../store/queryable.ts';
import { readEvent } from '../../workflows/engine/declarations.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';

/** `stored` for a journey on `ir`; null when `ir` does not declare it (or its fields no longer match: a row edited by hand). */
export function journeyEvent(ir: PlaybookIR, stored: StoredEvent): JourneyEvent | null {
  if (!Object.hasOwn(ir.events, stored.type)) return null;
  return readEvent(ir, { id: stored.id, type: stored.type, at: stored.at, data: stored.data }).event ?? null;
}

/** The customer's stored events that `ir` declares, in time order, as engine events; `except` types (a metric feed) left out. */
export async function journeyEventsOf(db: Queryable, ir: PlaybookIR, customerId: string, except: string[]): Promise<JourneyEvent[]> {
  return (await eventsOfCustomer(db, customerId, except)).flatMap((e) => journeyEvent(ir, e) ?? []);
}
