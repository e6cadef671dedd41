/**
 * Which events a query counts (reference §4): those of its type whose data
 * satisfies its `where`. One test, asked by the running aggregates (journey.ts),
 * by the `within` windows (window.ts) and by `explain`; it lives below all
 * three so that none of them imports another for it.
 */
import type { CompiledQuery, EvalContext } from './compiled-playbook.ts';
import type { Value } from './types.ts';

/** Does an event's data satisfy a query's `where` (always, without one)? */
export function whereHolds(cq: CompiledQuery, c: EvalContext, data: Record<string, Value>): boolean {
  if (cq.where === null) return true;
  const saved = c.event;
  c.event = data;
  const ok = cq.where(c) === true;
  c.event = saved;
  return ok;
}
