/**
 * Instants as text: reading ISO-8601 into epoch milliseconds and writing them
 * back (SPEC §3: UTC, ISO-8601 with milliseconds; a date without a time is
 * 00:00:00Z of that day). Pure, deterministic (`Date.UTC` only).
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]` into epoch ms.
 * A time without a zone is read as UTC. Returns `null` for anything else,
 * including impossible dates (Feb 30) and out-of-range times.
 */
export function parseInstant(text: string): number | null {
  const m = ISO.exec(text.trim());
  if (m === null) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const year = Number(ys), month = Number(mos), day = Number(ds);
  const hour = hs === undefined ? 0 : Number(hs);
  const minute = mis === undefined ? 0 : Number(mis);
  const second = ss === undefined ? 0 : Number(ss);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000 + 1e-6);
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0-99 onto 1900-1999; pin the year explicitly.
  if (year < 100) t = new Date(t).setUTCFullYear(year);
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    t -= sign * offset * 60_000;
  }
  return t;
}

/** Epoch ms as `2026-01-31T00:00:00.000Z`. */
export function formatInstant(instant: number): string {
  return new Date(instant).toISOString();
}

/** Epoch ms as `2026-01-31` (how templates render dates, SPEC §8). */
export function formatDate(instant: number): string {
  return new Date(instant).toISOString().slice(0, 10);
}
