/**
 * Dates, counts and amounts as people read them: `2026-03-02 · in 3 days`,
 * `1 journey` / `2 journeys`, `4.2 M`. Every page uses these, so the same
 * thing reads the same everywhere.
 */
import { esc } from './html.ts';

const DAY = 86_400_000;

/** `1 journey`, `3 journeys`, `0 tasks` (irregular plurals given). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** How far `at` is from `now` in whole days: `today`, `tomorrow`, `in 3 days`, `yesterday`, `5 days ago`. */
export function relativeDays(at: number, now: number): string {
  const days = Math.floor(at / DAY) - Math.floor(now / DAY);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days > 0 ? `in ${plural(days, 'day')}` : `${plural(-days, 'day')} ago`;
}

/** `2026-03-02 · in 3 days` as HTML (the exact instant in the tooltip), or an em dash. */
export function when(value: string | number | Date | null | undefined, now: number): string {
  if (value === null || value === undefined || value === '') return '—';
  const at = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(at)) return esc(String(value));
  const iso = new Date(at).toISOString();
  return `<span class="when" title="${esc(iso)}">${iso.slice(0, 10)} · ${relativeDays(at, now)}</span>`;
}

/** The same in plain text (CSV, tooltips). */
export function whenText(at: number, now: number): string {
  return `${new Date(at).toISOString().slice(0, 10)} · ${relativeDays(at, now)}`;
}

/** An amount in words: `950`, `12.5 k`, `4.2 M`. */
export function shortMoney(amount: number): string {
  const abs = Math.abs(amount);
  if (abs >= 1e6) return `${(amount / 1e6).toFixed(abs >= 1e7 ? 0 : 1)} M`;
  if (abs >= 1e4) return `${(amount / 1e3).toFixed(0)} k`;
  return Math.round(amount).toLocaleString('en-US');
}
