/**
 * Static ordering of a milestone's instants, to warn about steps that can
 * never fire (reference §5: a step before `opens` never fires) and a `due` before
 * `opens`. Sound, not complete: it warns only when the order holds for every
 * possible contract start. Calendar months are 28 to 31 days and years 365
 * to 366, so two instants on the same anchor are compared through the bounds
 * of the terms that differ after their common prefix (a shared prefix shifts
 * both instants identically, clamping included).
 */
import type { TimeExpr, TimeTerm } from '../ir/schema.ts';

/** An instant as an anchor the contract fixes, plus terms applied left to right. */
interface Linear {
  base: 'start' | 'contract_end';
  terms: TimeTerm[];
}

const HOURS = { hour: [1, 1], day: [24, 24], week: [168, 168], month: [28 * 24, 31 * 24], year: [365 * 24, 366 * 24] } as const;

/** `t` with `opens`/`due` replaced by the milestone's own instants; `null` when that cannot be done. */
export function linear(t: TimeExpr, opens: Linear | null, due: Linear | null): Linear | null {
  switch (t.anchor) {
    case 'start':
    case 'contract_end':
      return { base: t.anchor, terms: t.terms };
    case 'opens':
      return opens && { base: opens.base, terms: [...opens.terms, ...t.terms] };
    case 'due':
      return due && { base: due.base, terms: [...due.terms, ...t.terms] };
  }
}

function same(a: TimeTerm, b: TimeTerm): boolean {
  return a.sign === b.sign && a.duration.amount === b.duration.amount && a.duration.unit === b.duration.unit;
}

/**
 * Bounds, in hours, of `a - b` over every contract, or `null` when the two
 * are on different anchors (start and contract end are not related).
 */
export function differenceHours(a: Linear, b: Linear): [number, number] | null {
  if (a.base !== b.base) return null;
  let i = 0;
  while (i < a.terms.length && i < b.terms.length && same(a.terms[i]!, b.terms[i]!)) i++;
  let lo = 0;
  let hi = 0;
  const add = (term: TimeTerm, sign: number) => {
    const [min, max] = HOURS[term.duration.unit];
    const s = term.sign * sign;
    lo += s > 0 ? s * min * term.duration.amount : s * max * term.duration.amount;
    hi += s > 0 ? s * max * term.duration.amount : s * min * term.duration.amount;
  };
  for (const t of a.terms.slice(i)) add(t, 1);
  for (const t of b.terms.slice(i)) add(t, -1);
  return [lo, hi];
}

/** True when `a` is before `b` for every contract. */
export function alwaysBefore(a: Linear | null, b: Linear | null): boolean {
  if (!a || !b) return false;
  const d = differenceHours(a, b);
  return d !== null && d[1] < 0;
}
