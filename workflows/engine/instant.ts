/**
 * Instants as text: reading ISO-8601 into epoch milliseconds and writing them
 * back (reference §3: UTC, ISO-8601 with milliseconds; a date without a time is
 * 00:00:00Z of that day). Pure, deterministic (`Date.UTC` only).
 */
import { civilFromDays, daysInMonth } from './calendar.ts';

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
  if (day > daysInMonth(year, month - 1)) return null;
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

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** `00` .. `99` and `000` .. `999`: the digits of times of day, looked up rather than converted. */
const TWO_DIGITS: string[] = Array.from({ length: 100 }, (_, i) => pad2(i));
const THREE_DIGITS: string[] = Array.from({ length: 1000 }, (_, i) => (i < 10 ? `00${i}` : i < 100 ? `0${i}` : `${i}`));

/**
 * The date parts (`2026-01-31`) of recently formatted days, direct-mapped by
 * day number: instants of one day share one (a pure memo: same input, same text).
 */
const DATE_SLOTS = 256;
const cachedDays = new Float64Array(DATE_SLOTS).fill(NaN);
const cachedDates: string[] = new Array<string>(DATE_SLOTS).fill('');

/** Days since 1970-01-01 as `YYYY-MM-DD`. */
function civilDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  const y = year < 1000 ? String(year).padStart(4, '0') : String(year);
  return `${y}-${TWO_DIGITS[month + 1]!}-${TWO_DIGITS[day]!}`;
}

/**
 * Epoch ms as `2026-01-31T00:00:00.000Z`. Integer arithmetic (days to civil
 * date, H. Hinnant's algorithm) for years 0000-9999, which is several times
 * faster than `Date#toISOString` on the simulator's hot path; outside that
 * range it defers to `toISOString`. The digits come from tables and the date
 * part of the last day is remembered (a pure memo: same input, same text).
 */
export function formatInstant(instant: number): string {
  if (!(instant >= -62_167_219_200_000 && instant < 253_402_300_800_000) || !Number.isInteger(instant)) {
    return new Date(instant).toISOString();
  }
  const days = Math.floor(instant / 86_400_000);
  // Milliseconds into the day: below 86,400,000, so 32-bit integer arithmetic is exact.
  let ms = instant - days * 86_400_000;
  const slot = days & (DATE_SLOTS - 1);
  let date = cachedDates[slot]!;
  if (cachedDays[slot] !== days) {
    date = civilDate(days);
    cachedDates[slot] = date;
    cachedDays[slot] = days;
  }
  const hour = (ms / 3_600_000) | 0;
  ms -= hour * 3_600_000;
  const minute = (ms / 60_000) | 0;
  ms -= minute * 60_000;
  const second = (ms / 1000) | 0;
  ms -= second * 1000;
  // `+` rather than a template literal: the parts are strings already (no ToString per part).
  return date + 'T' + TWO_DIGITS[hour]! + ':' + TWO_DIGITS[minute]! + ':' + TWO_DIGITS[second]! + '.' + THREE_DIGITS[ms]! + 'Z';
}

/** `String(i)` for 0-999. */
const SMALL_TEXT: string[] = Array.from({ length: 1000 }, (_, i) => String(i));

/**
 * `String(t)` for whole instants (an action key's `@<epoch ms>`), built from
 * groups of three digits looked up in a table (converting a 13-digit number,
 * or even its 7-digit high part, costs more than an action's other strings
 * together).
 */
export function integerText(t: number): string {
  if (!(t >= 1e6 && t < 1e15) || !Number.isInteger(t)) return String(t);
  let high = Math.floor(t / 1e6);
  const low = t - high * 1e6;
  const thousands = (low / 1000) | 0;
  let text = THREE_DIGITS[thousands]! + THREE_DIGITS[low - thousands * 1000]!;
  // `high` has 1 to 9 digits: whole groups padded, the leading one not.
  while (high >= 1000) {
    const rest = Math.floor(high / 1000);
    text = THREE_DIGITS[high - rest * 1000]! + text;
    high = rest;
  }
  return SMALL_TEXT[high]! + text;
}

/** Epoch ms as `2026-01-31` (how templates render dates, reference §8). */
export function formatDate(instant: number): string {
  return formatInstant(instant).slice(0, 10);
}
