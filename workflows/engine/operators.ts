/**
 * The rules language's comparisons and arithmetic (reference §4), with its null
 * semantics: arithmetic with `null` is `null`; division by zero is `null`; a
 * comparison with a `null` (or list) operand is `false`. Besides the general
 * forms, the specialised closures the expression compiler uses when an
 * operand is a constant, and the threshold crossing of a `days_since`
 * comparison (when the compared value next flips as days pass).
 */
import type { EvalValue, Evaluator } from './compiled-playbook.ts';
import type { Value } from './types.ts';

/** The next whole-day count after `n` at which `cmp(count, k)` differs from `cmp(n, k)`; null when never. */
export function nextCrossing(n: number, k: number, cmp: (a: number, b: number) => boolean): number | null {
  const now = cmp(n, k);
  const candidates = [n + 1, Math.floor(k), Math.floor(k) + 1, Math.ceil(k), Math.ceil(k) + 1]
    .filter((x) => x > n)
    .sort((a, b) => a - b);
  for (const x of candidates) if (cmp(x, k) !== now) return x;
  return null;
}

/** A comparison's operands once neither is null nor a list. */
type Scalar = string | number | boolean;

/**
 * The comparison operators (reference §4) over two operands that are neither
 * null nor a list: the table {@link compare} (the general form, and what the
 * specialised closures below get that is not two numbers) and `days_since`
 * thresholds read their operator from.
 */
export const COMPARE: Record<string, (a: Scalar, b: Scalar) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};
/** The operator with its operands swapped (`k < days_since(..)` is `days_since(..) > k`). */
export const FLIPPED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

/** The operator's entry of {@link COMPARE}; throws for what is not a comparison. */
function comparison(op: string): (a: Scalar, b: Scalar) => boolean {
  const cmp = COMPARE[op];
  if (cmp === undefined) throw new Error(`not a comparison: ${op}`);
  return cmp;
}

/** A comparison's value in general: false with a null or list operand. */
export function compare(op: string, a: EvalValue, b: EvalValue): boolean {
  if (a === null || b === null || Array.isArray(a) || Array.isArray(b)) return false;
  return comparison(op)(a, b);
}

/** A number operand, or null for anything else (arithmetic with a non-number is null). */
export function num(v: EvalValue): number | null {
  return typeof v === 'number' ? v : null;
}

/** Rounds half away from zero (2.5 → 3, −2.5 → −3), as people round: the language's `round`, and the numbers a template renders (actions.ts). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * A comparison with a constant operand (not null), or an ordering comparison,
 * as one closure without a call per operand or per operator: the values of
 * {@link compare}, with the same operands evaluated (so the same wakes). Null
 * for `==` / `!=` without a constant operand (the caller's general form).
 *
 * The operators are written out here once more, as the numbers' fast path of
 * each closure, on purpose: the closures that call {@link COMPARE}'s entry
 * instead share one call site across operators, and measured 5-8 % slower
 * end to end (bench/engine.ts). What is not two numbers goes through
 * {@link compare}, i.e. the table.
 */
export function specialComparison(op: string, left: Evaluator, right: Evaluator, lk: Value | undefined, rk: Value | undefined): Evaluator | null {
  if (op === '==' || op === '!=') {
    // `compare`: false with a null or list operand, else strict (in)equality.
    if (rk !== undefined && rk !== null) {
      return op === '=='
        ? (c) => left(c) === rk
        : (c) => { const a = left(c); return a !== null && !Array.isArray(a) && a !== rk; };
    }
    if (lk !== undefined && lk !== null) {
      return op === '=='
        ? (c) => right(c) === lk
        : (c) => { const b = right(c); return b !== null && !Array.isArray(b) && lk !== b; };
    }
    return null;
  }
  if (typeof rk === 'number') {
    switch (op) {
      case '<': return (c) => { const a = left(c); return typeof a === 'number' ? a < rk : a !== null && !Array.isArray(a) && compare(op, a, rk); };
      case '<=': return (c) => { const a = left(c); return typeof a === 'number' ? a <= rk : a !== null && !Array.isArray(a) && compare(op, a, rk); };
      case '>': return (c) => { const a = left(c); return typeof a === 'number' ? a > rk : a !== null && !Array.isArray(a) && compare(op, a, rk); };
      case '>=': return (c) => { const a = left(c); return typeof a === 'number' ? a >= rk : a !== null && !Array.isArray(a) && compare(op, a, rk); };
      default: return null;
    }
  }
  if (typeof lk === 'number') {
    switch (op) {
      case '<': return (c) => { const b = right(c); return typeof b === 'number' ? lk < b : b !== null && !Array.isArray(b) && compare(op, lk, b); };
      case '<=': return (c) => { const b = right(c); return typeof b === 'number' ? lk <= b : b !== null && !Array.isArray(b) && compare(op, lk, b); };
      case '>': return (c) => { const b = right(c); return typeof b === 'number' ? lk > b : b !== null && !Array.isArray(b) && compare(op, lk, b); };
      case '>=': return (c) => { const b = right(c); return typeof b === 'number' ? lk >= b : b !== null && !Array.isArray(b) && compare(op, lk, b); };
      default: return null;
    }
  }
  // Ordering comparisons: numbers (and dates) or strings, never null; the left
  // operand first, the right one only when the left is not null.
  switch (op) {
    case '<': return (c) => {
      const a = left(c);
      if (a === null || Array.isArray(a)) return false;
      const b = right(c);
      if (typeof a === 'number' && typeof b === 'number') return a < b;
      return b !== null && !Array.isArray(b) && compare(op, a, b);
    };
    case '<=': return (c) => {
      const a = left(c);
      if (a === null || Array.isArray(a)) return false;
      const b = right(c);
      if (typeof a === 'number' && typeof b === 'number') return a <= b;
      return b !== null && !Array.isArray(b) && compare(op, a, b);
    };
    case '>': return (c) => {
      const a = left(c);
      if (a === null || Array.isArray(a)) return false;
      const b = right(c);
      if (typeof a === 'number' && typeof b === 'number') return a > b;
      return b !== null && !Array.isArray(b) && compare(op, a, b);
    };
    case '>=': return (c) => {
      const a = left(c);
      if (a === null || Array.isArray(a)) return false;
      const b = right(c);
      if (typeof a === 'number' && typeof b === 'number') return a >= b;
      return b !== null && !Array.isArray(b) && compare(op, a, b);
    };
    default: return null;
  }
}

/**
 * Arithmetic with a constant number operand, as one closure: the same value
 * (same operation order) as the general form, which evaluates the other
 * operand in either case. Null when nothing special applies (division by a
 * constant 0 and string concatenation keep the general form).
 */
export function specialArithmetic(op: string, left: Evaluator, right: Evaluator, lk: Value | undefined, rk: Value | undefined): Evaluator | null {
  if (typeof rk === 'number') {
    switch (op) {
      case '+': return (c) => { const a = left(c); return typeof a === 'number' ? a + rk : null; };
      case '-': return (c) => { const a = left(c); return typeof a === 'number' ? a - rk : null; };
      case '*': return (c) => { const a = left(c); return typeof a === 'number' ? a * rk : null; };
      case '/': return rk === 0 ? null : (c) => { const a = left(c); return typeof a === 'number' ? a / rk : null; };
      default: return null;
    }
  }
  if (typeof lk === 'number') {
    switch (op) {
      case '+': return (c) => { const b = right(c); return typeof b === 'number' ? lk + b : null; };
      case '-': return (c) => { const b = right(c); return typeof b === 'number' ? lk - b : null; };
      case '*': return (c) => { const b = right(c); return typeof b === 'number' ? lk * b : null; };
      case '/': return (c) => { const b = right(c); return typeof b === 'number' && b !== 0 ? lk / b : null; };
      default: return null;
    }
  }
  return null;
}
