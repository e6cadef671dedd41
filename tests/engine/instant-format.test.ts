/**
 * formatInstant builds its text from digit tables and remembers the date part
 * of recent days in a small direct-mapped memo (workflows/engine/instant.ts):
 * it must still write exactly what Date#toISOString writes, for every instant
 * of years 0000-9999, whichever days share a memo slot and in whatever order
 * they come.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDate, formatInstant } from '../../workflows/engine/instant.ts';

const DAY = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 10000-01-01T00:00:00.000Z */
const FIRST = -62_167_219_200_000;
const END = 253_402_300_800_000;

const iso = (t: number): string => new Date(t).toISOString();

describe('formatInstant', () => {
  it('writes what toISOString writes, over the whole range', () => {
    fc.assert(fc.property(fc.integer({ min: FIRST, max: END - 1 }), (t) => {
      expect(formatInstant(t)).toBe(iso(t));
      expect(formatDate(t)).toBe(iso(t).slice(0, 10));
    }), { numRuns: 20_000 });
  });

  it('keeps the right date when days that share a memo slot alternate', () => {
    // Days 256 apart map to the same slot; the last millisecond of a day and the first of the next differ in date.
    const base = Date.UTC(2026, 0, 31);
    const instants = [0, 256, 512, -256, 1, 257].flatMap((d) => [base + d * DAY, base + d * DAY - 1, base + d * DAY + DAY - 1]);
    for (let round = 0; round < 3; round++) {
      for (const t of instants) expect(formatInstant(t)).toBe(iso(t));
    }
  });

  it('writes the edges of the range and falls back to toISOString outside it', () => {
    for (const t of [FIRST, FIRST + 1, -1, 0, 1, END - 1, Date.UTC(2028, 1, 29, 23, 59, 59, 999)]) expect(formatInstant(t)).toBe(iso(t));
    for (const t of [FIRST - 1, END, 1.5]) expect(formatInstant(t)).toBe(new Date(t).toISOString());
  });
});
