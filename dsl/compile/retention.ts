/**
 * Per event type, what a journey must keep so every query can still be
 * answered (ARCHITECTURE: bounded state): the longest `within` window and
 * the data fields read.
 */
import type { Duration, Query, Retention } from '../ir/schema.ts';
import { fieldsRead } from '../check/query-table.ts';

/**
 * The longest a duration can be, in hours. Calendar units vary in length, so
 * a month counts as 31 days and a year as 366: the buffer must never drop
 * an event some window could still need.
 */
export function maxHours(d: Duration): number {
  const per = { hour: 1, day: 24, week: 168, month: 31 * 24, year: 366 * 24 } as const;
  return d.amount * per[d.unit];
}

/**
 * Retention for every declared event type.
 * @param eventTypes declared event type names, in declaration order
 * @param templateFields per event type, fields read by trigger templates (`{{event.x}}`)
 */
export function computeRetention(eventTypes: string[], queries: Query[], templateFields: Map<string, Set<string>>): Record<string, Retention> {
  const out: Record<string, Retention> = {};
  for (const type of eventTypes) {
    let window: Duration | null = null;
    const fields = new Set(templateFields.get(type) ?? []);
    for (const q of queries) {
      if (q.event !== type) continue;
      if (q.field) fields.add(q.field);
      fieldsRead(q.where, fields);
      if (q.window?.kind === 'within' && (window === null || maxHours(q.window.duration) > maxHours(window))) window = q.window.duration;
    }
    out[type] = { window, fields: [...fields].sort() };
  }
  return out;
}
