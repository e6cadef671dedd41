/**
 * Running aggregates of queries without `within` (reference §4): what one
 * matching event adds, and the value of each query function over the result.
 * A `within` query's aggregate is its window's instead (window.ts);
 * {@link queryAggregate} reads whichever the query has, so a compiled query
 * node need not know which.
 */
import type { QueryFn } from '../../dsl/ir/schema.ts';
import { assertNever, DAY_MS } from './calendar.ts';
import type { CompiledQuery, EvalContext } from './compiled-playbook.ts';
import type { QueryAggregate, Value } from './types.ts';
import { windowValues } from './window.ts';

/** An empty aggregate. */
export function emptyAggregate(distinct = false): QueryAggregate {
  const agg: QueryAggregate = { n: 0, vn: 0, sum: 0, min: null, max: null, latest: null, latestAt: null };
  if (distinct) agg.distinct = [];
  return agg;
}

/** Adds one matching event to an aggregate (events arrive in time order, ties by arrival). */
export function addToAggregate(agg: QueryAggregate, at: number, value: Value): void {
  agg.n += 1;
  if (typeof value === 'number') {
    agg.vn += 1;
    agg.sum += value;
    agg.min = agg.min === null || value < agg.min ? value : agg.min;
    agg.max = agg.max === null || value > agg.max ? value : agg.max;
  }
  // A new value replaces the list rather than growing it: states share aggregates' parts (cloneState copies shallowly).
  const distinct = agg.distinct;
  if (distinct !== undefined && value !== null && !distinct.includes(value)) agg.distinct = [...distinct, value];
  // `>=`: a later arrival at an equal instant is the more recent one.
  if (agg.latestAt === null || at >= agg.latestAt) {
    agg.latestAt = at;
    agg.latest = value;
  }
}

/** The value of a query function over an aggregate. */
export function aggregateValue(fn: QueryFn, agg: QueryAggregate, now: number): Value {
  switch (fn) {
    case 'happened': return agg.n > 0;
    case 'count': return agg.n;
    case 'sum': return agg.vn === 0 ? null : agg.sum;
    case 'avg': return agg.vn === 0 ? null : agg.sum / agg.vn;
    case 'min': return agg.min;
    case 'max': return agg.max;
    case 'latest': return agg.latestAt === null ? null : agg.latest;
    case 'days_since': return agg.latestAt === null ? null : Math.floor((now - agg.latestAt) / DAY_MS);
    case 'count_distinct': return agg.distinct?.length ?? 0;
    default: return assertNever(fn);
  }
}

/**
 * The aggregate of a query at `c.now`: from the `within` buffer (recording the
 * next window exit of a counted event in `c.wake`), or the running aggregate.
 */
export function queryAggregate(cq: CompiledQuery, c: EvalContext, fn: QueryFn): QueryAggregate {
  if (cq.within !== null) return windowValues(c.state, c, cq, fn);
  const key = cq.index;
  const agg = cq.perInstance ? c.inst?.aggs?.[key] : c.state.aggs[key];
  return agg ?? EMPTY;
}

const EMPTY: QueryAggregate = Object.freeze(emptyAggregate()) as QueryAggregate;
