/**
 * The benchmarks' book of clinics: a deterministic generator of customer
 * timelines (about 100 events a contract year) for the clinic playbooks, so
 * every run of bench/engine.ts and bench/auto-close-emails.ts simulates the
 * same customers.
 */
import type { JourneyEvent } from '../workflows/engine/types.ts';

export const DAY = 86_400_000;

/** A deterministic generator, so every run simulates the same book. */
export function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * About `perYear` events a year for one clinic: activation in the first weeks,
 * weekly-ish usage, tickets, calls and meetings, the odd complaint, a campaign,
 * and for most a renewal signature in the last quarter.
 */
export function clinicTimeline(seed: number, start: number, years: number, perYear = 100): JourneyEvent[] {
  const rnd = lcg(seed);
  const span = years * 365 * DAY;
  const events: JourneyEvent[] = [{ at: start + Math.floor(rnd() * 30 * DAY), type: 'activated', data: {} }];
  for (let i = 0; i < perYear * years; i++) {
    const at = start + Math.floor(rnd() * span);
    const r = rnd();
    if (r < 0.62) events.push({ at, type: 'usage', data: { active_users: 1 + Math.floor(rnd() * 12), minutes: Math.floor(rnd() * 900) } });
    else if (r < 0.77) events.push({ at, type: 'ticket_opened', data: { category: rnd() < 0.3 ? 'operations' : 'billing', severity: 1 + Math.floor(rnd() * 3) } });
    else if (r < 0.92) events.push({ at, type: 'interaction', data: { kind: rnd() < 0.5 ? 'call' : 'meeting' } });
    else if (r < 0.97) events.push({ at, type: 'complaint', data: { severity: 1 + Math.floor(rnd() * 3) } });
    else if (r < 0.99) events.push({ at, type: 'campaign_run', data: { name: 'recall' } });
    else events.push({ at, type: 'business_change', data: { kind: 'relocation' } });
  }
  if (rnd() < 0.8) events.push({ at: start + span - Math.floor(rnd() * 60 * DAY), type: 'renewal_signed', data: { amount: 24000 } });
  return events.sort((a, b) => a.at - b.at);
}

/** The attributes of clinic `i`: the three tiers in turn, 40 CSMs sharing the book, one manager. */
export const clinicAttrs = (i: number) => ({ name: `Clinic ${i}`, segment: 'clinic', tier: ['vip', 'growth', 'stable'][i % 3]!, arr: 12000 + i, csm: `csm${i % 40}@example.com`, manager: 'max@example.com' });

/**
 * `events` with what clinic-second-year watches besides: the clinic's licence
 * count (4 to 12 seats) an hour after `start`, and for each `usage` event a
 * login by each of its `active_users` (at most the seats; users u1, u2, ...),
 * in the appointment book, and for about one usage in four in the recalls
 * module as well.
 */
export function withLogins(seed: number, start: number, events: readonly JourneyEvent[]): JourneyEvent[] {
  const rnd = lcg(seed ^ 0x5eed);
  const seats = 4 + Math.floor(rnd() * 9);
  const out: JourneyEvent[] = [{ at: start + 3_600_000, type: 'licences', data: { seats } }];
  for (const e of events) {
    out.push(e);
    if (e.type !== 'usage') continue;
    const users = Math.min(seats, Number(e.data['active_users']));
    for (let u = 1; u <= users; u++) out.push({ at: e.at + u * 60_000, type: 'login', data: { user: `u${u}`, module: 'appointments' } });
    if (rnd() < 0.25) out.push({ at: e.at + 30 * 60_000, type: 'login', data: { user: 'u1', module: 'recalls' } });
  }
  return out.sort((a, b) => a.at - b.at);
}
