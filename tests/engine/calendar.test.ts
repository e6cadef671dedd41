import { describe, expect, it } from 'vitest';
import { addDuration, addMonths, evalTime, wholeDaysSince, windowExit, DAY_MS } from '../../workflows/engine/calendar.ts';
import { formatDate, formatInstant, parseInstant } from '../../workflows/engine/instant.ts';

const t = (iso: string) => Date.parse(iso);

describe('calendar arithmetic', () => {
  it('clamps the day to the target month when adding months', () => {
    expect(formatInstant(addMonths(t('2026-01-31T00:00:00Z'), 1))).toBe('2026-02-28T00:00:00.000Z');
    expect(formatInstant(addMonths(t('2028-01-31T00:00:00Z'), 1))).toBe('2028-02-29T00:00:00.000Z');
    expect(formatInstant(addMonths(t('2026-03-31T10:15:00Z'), -1))).toBe('2026-02-28T10:15:00.000Z');
    expect(formatInstant(addMonths(t('2026-12-15T00:00:00Z'), 1))).toBe('2027-01-15T00:00:00.000Z');
    expect(formatInstant(addMonths(t('2026-01-15T00:00:00Z'), -13))).toBe('2024-12-15T00:00:00.000Z');
  });

  it('adds months in years below 1000 too (issue 15: 0001-01-01 plus a month was 1901-02-01)', () => {
    const p = (iso: string) => parseInstant(iso)!;
    expect(formatInstant(addMonths(p('0001-01-01'), 1))).toBe('0001-02-01T00:00:00.000Z');
    expect(formatInstant(addMonths(p('0001-01-31'), 1))).toBe('0001-02-28T00:00:00.000Z');
    // Year 4 is a leap year, year 100 is not, year 0 (1 BC) is.
    expect(formatInstant(addMonths(p('0004-01-31'), 1))).toBe('0004-02-29T00:00:00.000Z');
    expect(formatInstant(addMonths(p('0100-01-31'), 1))).toBe('0100-02-28T00:00:00.000Z');
    expect(formatInstant(addMonths(p('0000-01-31'), 1))).toBe('0000-02-29T00:00:00.000Z');
    expect(formatInstant(addMonths(p('0099-12-15T10:00:00Z'), 1))).toBe('0100-01-15T10:00:00.000Z');
    expect(formatInstant(addMonths(p('0999-03-31'), -1))).toBe('0999-02-28T00:00:00.000Z');
    expect(formatInstant(addDuration(p('0001-01-01'), { amount: 1, unit: 'year' }))).toBe('0002-01-01T00:00:00.000Z');
    // A month window over an event on 0050-01-31 ends on 0050-03-01.
    expect(formatInstant(windowExit(p('0050-01-31'), { amount: 1, unit: 'month' }))).toBe('0050-03-01T00:00:00.000Z');
    // Every month start over years 0000-1100 agrees with a calendar built from day counts.
    let day = p('0000-01-01');
    for (let year = 0; year <= 1100; year++) {
      for (let month = 0; month < 12; month++) {
        const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
        const length = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]!;
        const next = day + length * DAY_MS;
        if (addMonths(day, 1) !== next) throw new Error(`${formatInstant(day)} + 1 month is ${formatInstant(addMonths(day, 1))}`);
        day = next;
      }
    }
    expect(parseInstant('0000-02-29')).not.toBeNull();
    expect(parseInstant('0100-02-29')).toBeNull();
  });

  it('treats years as twelve months: Feb 29 plus a year is Feb 28', () => {
    expect(formatInstant(addDuration(t('2028-02-29T00:00:00Z'), { amount: 1, unit: 'year' }))).toBe('2029-02-28T00:00:00.000Z');
    expect(formatInstant(addDuration(t('2028-02-29T00:00:00Z'), { amount: 4, unit: 'year' }))).toBe('2032-02-29T00:00:00.000Z');
  });

  it('shifts repeats in one addition, so a Jan 31 series does not drift to the 28th', () => {
    const month = { amount: 1, unit: 'month' } as const;
    const start = t('2026-01-31T00:00:00Z');
    expect([1, 2, 3].map((k) => formatDate(addDuration(start, month, k)))).toEqual(['2026-02-28', '2026-03-31', '2026-04-30']);
  });

  it('adds hours, days and weeks exactly', () => {
    const start = t('2026-03-28T12:00:00Z');
    expect(formatInstant(addDuration(start, { amount: 36, unit: 'hour' }))).toBe('2026-03-30T00:00:00.000Z');
    expect(formatInstant(addDuration(start, { amount: 2, unit: 'week' }, -1))).toBe('2026-03-14T12:00:00.000Z');
  });

  it('evaluates time expressions left to right from their anchor', () => {
    const anchors = { start: t('2026-01-31T00:00:00Z'), end: t('2027-01-31T00:00:00Z'), opens: null, due: null };
    // month 1 - 7 days: Feb 28 - 7 days, not Jan 31 - 7 days + 1 month.
    const time = { anchor: 'start' as const, source: 'month 1 - 7 days', terms: [
      { sign: 1 as const, duration: { amount: 1, unit: 'month' as const } },
      { sign: -1 as const, duration: { amount: 7, unit: 'day' as const } },
    ] };
    expect(formatInstant(evalTime(time, anchors)!)).toBe('2026-02-21T00:00:00.000Z');
    expect(evalTime({ anchor: 'opens', terms: [], source: 'opens' }, anchors)).toBeNull();
  });

  it('ends a `within` window where `now - d < at` stops holding, month ends included', () => {
    const month = { amount: 1, unit: 'month' } as const;
    // Jan 31 still counts on Feb 28 (Feb 28 - 1 month = Jan 28 < Jan 31); Mar 1 - 1 month = Feb 1.
    expect(formatInstant(windowExit(t('2026-01-31T10:00:00Z'), month))).toBe('2026-03-01T00:00:00.000Z');
    expect(formatInstant(windowExit(t('2026-01-15T10:00:00Z'), month))).toBe('2026-02-15T10:00:00.000Z');
    expect(formatInstant(windowExit(t('2028-02-29T00:00:00Z'), { amount: 1, unit: 'year' }))).toBe('2029-03-01T00:00:00.000Z');
    expect(formatInstant(windowExit(t('2026-03-01T06:00:00Z'), { amount: 30, unit: 'day' }))).toBe('2026-03-31T06:00:00.000Z');
    // The definition itself, checked around the exit instant.
    for (const at of ['2026-01-31T10:00:00Z', '2026-03-31T00:00:00Z', '2026-05-15T12:34:56.789Z']) {
      const exit = windowExit(t(at), month);
      expect(addMonths(exit - 1, -1) < t(at)).toBe(true);
      expect(addMonths(exit, -1) < t(at)).toBe(false);
    }
  });

  it('counts whole days with floor, negative before the reference', () => {
    const ref = t('2026-03-01T00:00:00Z');
    expect(wholeDaysSince(ref, ref + DAY_MS - 1)).toBe(0);
    expect(wholeDaysSince(ref, ref + DAY_MS)).toBe(1);
    expect(wholeDaysSince(ref, ref - 1)).toBe(-1);
  });
});

describe('ISO instants', () => {
  it('reads dates as midnight UTC and keeps milliseconds', () => {
    expect(parseInstant('2026-01-31')).toBe(t('2026-01-31T00:00:00Z'));
    expect(parseInstant('2026-02-20T09:30:00Z')).toBe(t('2026-02-20T09:30:00Z'));
    expect(parseInstant('2026-02-20T09:30:00.123Z')).toBe(t('2026-02-20T09:30:00.123Z'));
    expect(parseInstant('2026-02-20T10:30:00+01:00')).toBe(t('2026-02-20T09:30:00Z'));
    expect(parseInstant('2026-02-20T09:30')).toBe(t('2026-02-20T09:30:00Z'));
  });

  it('refuses impossible and malformed instants', () => {
    for (const bad of ['2026-02-30', '2027-02-29', '2026-13-01', 'yesterday', '2026-1-5', '2026-01-01T25:00:00Z', '']) {
      expect(parseInstant(bad)).toBeNull();
    }
    expect(parseInstant('2028-02-29')).not.toBeNull();
  });
});
