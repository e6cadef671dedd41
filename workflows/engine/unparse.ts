/**
 * Expression trees back to text, for explanations: the IR keeps each rule's
 * source but not its sub-expressions' (their positions live in the compiler's
 * side table), so `explain` prints each part from the tree itself.
 */
import type { Expr, PlaybookIR } from '../../dsl/ir/schema.ts';
import { assertNever } from './calendar.ts';

const PRECEDENCE: Record<string, number> = {
  or: 1, and: 2, '==': 4, '!=': 4, '<': 4, '<=': 4, '>': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6,
};

function precedence(e: Expr): number {
  switch (e.k) {
    case 'binary': return PRECEDENCE[e.op] ?? 9;
    case 'not': return 3;
    case 'in': case 'is_null': return 4;
    case 'neg': return 7;
    default: return 9;
  }
}

/** The text of an expression, parenthesised only where precedence needs it. */
export function unparse(ir: PlaybookIR, e: Expr): string {
  const sub = (child: Expr, min: number): string => {
    const text = unparse(ir, child);
    return precedence(child) < min ? `(${text})` : text;
  };
  switch (e.k) {
    case 'literal': return typeof e.value === 'string' ? JSON.stringify(e.value) : String(e.value);
    case 'list': return `[${e.items.map((i) => unparse(ir, i)).join(', ')}]`;
    case 'ref': {
      const r = e.ref;
      switch (r.kind) {
        case 'customer': return `customer.${r.attr}`;
        case 'contract_start': return 'contract.start';
        case 'contract_end': return 'contract.end';
        case 'health': return 'health';
        case 'health_component': return `health.${r.component}`;
        case 'field': return r.field;
        default: return assertNever(r);
      }
    }
    case 'time': return e.time.source;
    case 'not': return `not ${sub(e.operand, 3)}`;
    case 'neg': return `-${sub(e.operand, 8)}`;
    case 'binary': {
      const p = PRECEDENCE[e.op] ?? 9;
      // Left-associative: the right operand needs parentheses at equal precedence.
      return `${sub(e.left, p)} ${e.op} ${sub(e.right, p + 1)}`;
    }
    case 'in': return `${sub(e.operand, 5)} in ${unparse(ir, e.list)}`;
    case 'is_null': return `${sub(e.operand, 5)} is ${e.negated ? 'not ' : ''}null`;
    case 'call': return `${e.fn}(${e.args.map((a) => unparse(ir, a)).join(', ')})`;
    case 'days_since_time': return `days_since(${e.time.source})`;
    case 'query': return `${e.fn}(${ir.queries[e.query]?.source ?? '?'})`;
    default: return assertNever(e);
  }
}
