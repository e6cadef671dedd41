/**
 * What an expression reads, found by walking its tree once when a playbook is
 * compiled: the event types whose arrival can change its value (so an event
 * re-evaluates only the rules it can change), the event fields a `within`
 * buffer must keep, whether it reads health. `explain` walks trees the same way.
 */
import type { Expr, PlaybookIR } from '../../dsl/ir/schema.ts';
import type { EventTypeInfo } from './compiled-playbook.ts';
import { addType, addTypes } from './type-set.ts';
import type { TypeSet } from './type-set.ts';

/** Visits every node of an expression tree, outermost first. */
export function walkExpr(e: Expr, visit: (node: Expr, depth: number) => void, depth = 0): void {
  visit(e, depth);
  switch (e.k) {
    case 'list': for (const item of e.items) walkExpr(item, visit, depth + 1); break;
    case 'not': case 'neg': walkExpr(e.operand, visit, depth + 1); break;
    case 'binary': walkExpr(e.left, visit, depth + 1); walkExpr(e.right, visit, depth + 1); break;
    case 'in': walkExpr(e.operand, visit, depth + 1); walkExpr(e.list, visit, depth + 1); break;
    case 'is_null': walkExpr(e.operand, visit, depth + 1); break;
    case 'call': for (const a of e.args) walkExpr(a, visit, depth + 1); break;
    default: break;
  }
}

/** Does an expression read `health` or a health component? */
export function readsHealth(e: Expr): boolean {
  let found = false;
  walkExpr(e, (n) => {
    if (n.k === 'ref' && (n.ref.kind === 'health' || n.ref.kind === 'health_component')) found = true;
  });
  return found;
}

/** The event fields an expression reads (a query's `where`: what a buffered event must keep). */
export function fieldRefs(e: Expr): string[] {
  const out: string[] = [];
  walkExpr(e, (n) => {
    if (n.k === 'ref' && n.ref.kind === 'field') out.push(n.ref.field);
  });
  return out;
}

/**
 * Adds to `out` the event types (by index in `types`) whose arrival can change
 * an expression's value; reading `health` or a component adds `healthReads`
 * (what the components' scores read). Returns `out`.
 */
export function eventReads(ir: PlaybookIR, e: Expr, types: Record<string, EventTypeInfo>, healthReads: TypeSet | null, out: TypeSet): TypeSet {
  walkExpr(e, (n) => {
    if (n.k === 'query') {
      const info = types[ir.queries[n.query]?.event ?? ''];
      if (info !== undefined) addType(out, info.index);
    } else if (n.k === 'ref' && (n.ref.kind === 'health' || n.ref.kind === 'health_component') && healthReads !== null) {
      addTypes(out, healthReads);
    }
  });
  return out;
}
