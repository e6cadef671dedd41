/**
 * Whole numbers in a query string (`limit`, `offset`, `page`).
 *
 * `z.coerce.number()` reads `''` as 0, `' '` as 0, `0x10` as 16 and `1e2` as
 * 100, so `?offset=` was accepted as the first page although the document says
 * an integer is expected (Schemathesis found it). Here only decimal digits
 * become a number; anything else stays a string and fails the integer check,
 * a 400 naming the parameter. The published schema is the inner one
 * (`type: integer` with its bounds), which is what a client may send.
 */
import { z } from 'zod';

const DECIMAL = /^\d+$/;

/** An integer in [min, max] from a query string, `fallback` when absent. */
export function queryInteger(min: number, max: number, fallback: number) {
  return z.preprocess(
    (raw) => (typeof raw === 'string' && DECIMAL.test(raw) ? Number(raw) : raw),
    z.number().int().min(min).max(max).default(fallback),
  );
}

/** `limit` (default 100, at most 1000) and `offset` of the list endpoints. */
export const PageQuery = {
  limit: queryInteger(1, 1000, 100),
  offset: queryInteger(0, Number.MAX_SAFE_INTEGER, 0),
};
