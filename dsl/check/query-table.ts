/**
 * Interns event queries: identical queries (same event, field, `where`,
 * window and milestone) share one entry in `ir.queries`, so the engine keeps
 * one running aggregate per distinct query.
 */
import type { Expr, Query } from '../ir/schema.ts';

/** A structural key that ignores node ids (two equal `where` trees with different ids are the same query). */
function keyOf(q: Query): string {
  return JSON.stringify({ ...q, source: undefined, where: q.where }, (k, v: unknown) => (k === 'id' ? undefined : v));
}

/** The interned queries of one playbook, in first-use order (their index is the IR's query number). */
export class QueryTable {
  readonly queries: Query[] = [];
  private readonly index = new Map<string, number>();

  /** The index of `q` in the table, adding it when no identical query is there yet. */
  intern(q: Query): number {
    const key = keyOf(q);
    const found = this.index.get(key);
    if (found !== undefined) return found;
    this.queries.push(q);
    this.index.set(key, this.queries.length - 1);
    return this.queries.length - 1;
  }
}

/** The event data fields a `where` expression reads. */
export function fieldsRead(e: Expr | null, into: Set<string>): Set<string> {
  if (!e) return into;
  switch (e.k) {
    case 'ref':
      if (e.ref.kind === 'field') into.add(e.ref.field);
      break;
    case 'list':
      e.items.forEach((i) => fieldsRead(i, into));
      break;
    case 'not':
    case 'neg':
      fieldsRead(e.operand, into);
      break;
    case 'binary':
      fieldsRead(e.left, into);
      fieldsRead(e.right, into);
      break;
    case 'in':
      fieldsRead(e.operand, into);
      fieldsRead(e.list, into);
      break;
    case 'is_null':
      fieldsRead(e.operand, into);
      break;
    case 'call':
      e.args.forEach((a) => fieldsRead(a, into));
      break;
    default:
      break;
  }
  return into;
}
