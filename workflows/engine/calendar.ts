/**
 * Calendar arithmetic for the journey engine (reference §3), in one place.
 *
 * Every instant is UTC epoch milliseconds. Hours, days and weeks are exact
 * (24 h, 7·24 h); months and years are calendar arithmetic with the day
 * clamped to the length of the target month (Jan 31 + 1 month = Feb 28, or
 * Feb 29 in a leap year). Civil dates come from integer arithmetic
 * (H. Hinnant's algorithms, proleptic Gregorian, any year), never `Date`, so
 * this module is deterministic and safe inside the Temporal sandbox.
 */
import type { Duration, TimeExpr } from '../../dsl/ir/schema.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Number of days in `month` (0-11) of `year`, leap years included (any year: no `Date.UTC`, which reads years 0-99 as 1900-1999). */
export function daysInMonth(year: number, month: number): number {
  return civilDaysInMonth(year, month);
}

/**
 * `instant` plus `months` calendar months (negative to go back), keeping the
 * time of day and clamping the day to the target month's length. Integer
 * civil-date arithmetic for every year (proleptic Gregorian): `Date.UTC` reads
 * years 0-99 as 1900-1999, which once made a contract starting 0001-01-01 due
 * on 1901-02-01.
 */
export function addMonths(instant: number, months: number): number {
  if (months === 0) return instant;
  const days = Math.floor(instant / DAY_MS);
  const ms = instant - days * DAY_MS;
  const { year, month, day } = civilFromDays(days);
  const total = year * 12 + month + Math.trunc(months);
  const y = Math.floor(total / 12);
  const m = total - y * 12;
  const d = Math.min(day, civilDaysInMonth(y, m));
  return daysFromCivil(y, m, d) * DAY_MS + ms;
}

/** A civil (proleptic Gregorian) date; `month` 0-11. */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** The civil date of a day number (days since 1970-01-01; H. Hinnant's civil_from_days, floor division: any year). */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 2 : mp - 10;
  return { year: yoe + era * 400 + (month <= 1 ? 1 : 0), month, day };
}

/** Days in `month` (0-11) of `year` (proleptic Gregorian). */
function civilDaysInMonth(year: number, month: number): number {
  if (month === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

/** Days since 1970-01-01 of a civil date (`month` 0-11; H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 1 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month <= 1 ? month + 10 : month - 2;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * `instant` plus `times` × `duration` (times may be negative: subtraction),
 * computed in one addition: `n months` × 3 adds 3n months at once, so repeated
 * instances of a Jan 31 series land on Apr 30, not on a drifted 28th.
 */
export function addDuration(instant: number, duration: Duration, times = 1): number {
  const n = duration.amount * times;
  switch (duration.unit) {
    case 'hour': return instant + n * HOUR_MS;
    case 'day': return instant + n * DAY_MS;
    case 'week': return instant + n * WEEK_MS;
    case 'month': return addMonths(instant, n);
    case 'year': return addMonths(instant, 12 * n);
    default: return assertNever(duration.unit);
  }
}

/**
 * The first instant at which an event at `at` no longer counts for `within d`
 * (reference §4: it counts while `now - d < at`). For hours, days and weeks that is
 * `at + d`. For months and years, subtraction clamps (Mar 31 − 1 month =
 * Feb 28), so an event on Jan 31 still counts on Feb 28 (Feb 28 − 1 month =
 * Jan 28 < Jan 31) and leaves at Mar 1 00:00, the first instant whose
 * month-earlier instant is not before it.
 */
export function windowExit(at: number, d: Duration): number {
  if (d.unit !== 'month' && d.unit !== 'year') return addDuration(at, d);
  const months = d.unit === 'year' ? 12 * d.amount : d.amount;
  const candidate = addMonths(at, months);
  if (addMonths(candidate, -months) >= at) return candidate;
  // `at`'s day does not exist in the target month: clamped instants there still
  // map back before `at`; the first that does not is the next month's first instant.
  const { year, month } = civilFromDays(Math.floor(candidate / DAY_MS));
  return month === 11 ? daysFromCivil(year + 1, 0, 1) * DAY_MS : daysFromCivil(year, month + 1, 1) * DAY_MS;
}

/** The anchors a time expression may start from (reference §3). */
export interface TimeAnchors {
  start: number;
  end: number;
  /** The milestone (instance) instants; `null` outside a milestone. */
  opens: number | null;
  due: number | null;
}

/**
 * Evaluates a time expression: its anchor, then each `± duration` term applied
 * left to right. Returns `null` when it names `opens`/`due` outside a milestone
 * (the compiler refuses that; the engine does not trust it blindly).
 */
export function evalTime(time: TimeExpr, anchors: TimeAnchors): number | null {
  let t: number | null;
  switch (time.anchor) {
    case 'start': t = anchors.start; break;
    case 'contract_end': t = anchors.end; break;
    case 'opens': t = anchors.opens; break;
    case 'due': t = anchors.due; break;
    default: return assertNever(time.anchor);
  }
  if (t === null) return null;
  for (const term of time.terms) t = addDuration(t, term.duration, term.sign);
  return t;
}

/** Whole days (floor) from `from` to `now`: negative before `from`. */
export function wholeDaysSince(from: number, now: number): number {
  return Math.floor((now - from) / DAY_MS);
}

/** Exhaustiveness check for `switch` over a closed union. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
