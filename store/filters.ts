/**
 * WHERE clauses built from optional filters: each term present adds one
 * condition and one parameter, so a list has one query text per set of
 * filters given and the planner sees plain equalities it can use an index for
 * (a `($1 IS NULL OR col = $1)` form hides the index from a generic plan).
 */

/** A condition builder: `add(sql, value)` with `?` standing for the value's placeholder. */
export interface Where {
  /** Adds `sql` (its `?` replaced by the next placeholder) when `value` is not undefined. */
  add(sql: string, value: unknown): Where;
  /** Adds a condition without a parameter. */
  raw(sql: string): Where;
  /** A parameter for use outside WHERE (LIMIT, OFFSET); returns its placeholder. */
  param(value: unknown): string;
  /** ` WHERE a AND b` (empty when no condition). */
  sql(): string;
  params: unknown[];
}

/** A fresh builder. */
export function where(): Where {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const builder: Where = {
    params,
    add(sql, value) {
      if (value === undefined) return builder;
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
      return builder;
    },
    raw(sql) {
      conditions.push(sql);
      return builder;
    },
    param(value) {
      params.push(value);
      return `$${params.length}`;
    },
    sql: () => (conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`),
  };
  return builder;
}

/** Filters shared by the lists of tasks, outbox and ledger; each is optional. */
export interface ListFilter {
  customerId?: string;
  playbook?: string;
  /** The customer's CSM (tasks: the task's assignee, reference §15). */
  csm?: string;
  limit?: number;
  offset?: number;
}

/** ` LIMIT $n OFFSET $m` for a filter. */
export function page(w: Where, filter: ListFilter): string {
  return ` LIMIT ${w.param(filter.limit ?? null)} OFFSET ${w.param(filter.offset ?? 0)}`;
}
