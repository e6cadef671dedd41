/**
 * A portfolio of clinics on `clinic-first-year` at different points of their
 * first contract year, enrolled through the API relative to a fixed `now`
 * (each at its contract start, so the steps already due have fired).
 */
import type { RunningApi } from './server.ts';

export const DAY = 86_400_000;
export const CLINIC_PLAYBOOK = 'clinic-first-year';
export const iso = (t: number) => new Date(t).toISOString();

/** A clinic customer's attributes. */
export function clinic(id: string, tier: string, arr: number, csm: string) {
  return { id, name: `Clinic ${id}`, segment: 'clinic', tier, arr, csm, manager: 'max@example.com' };
}

/** Enrols one clinic whose contract started `startOffsetDays` from `now` (negative: in the past). */
export function enrolClinic(api: RunningApi, now: number, id: string, tier: string, startOffsetDays: number,
  options: { lengthDays?: number; csm?: string; arr?: number } = {}) {
  const start = now + startOffsetDays * DAY;
  const end = start + (options.lengthDays ?? 365) * DAY;
  return api.call('/customers', {
    body: {
      playbook: CLINIC_PLAYBOOK, customer: clinic(id, tier, options.arr ?? 10_000, options.csm ?? 'ada@example.com'),
      contract: { start: iso(start), end: iso(end) }, enrolled_at: iso(start),
    },
  });
}
