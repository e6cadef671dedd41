/**
 * The "why" behind each state on the customer page: the engine's own
 * {@link explain}, run in-process on the journey rebuilt from the store (the
 * pinned IR, the customer, the contract and the stored events — the same
 * inputs the durable journey was given), so the explanation is the engine's
 * reasoning, not a paraphrase.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { advanceJourney, explain, receiveEvents, startJourney } from '../../workflows/engine/index.ts';
import type { Explanation, JourneyEvent, JourneyReport } from '../../workflows/engine/types.ts';
import { checkCustomerFor, checkEventFor } from '../api/declaration-checks.ts';
import { formatInstant } from '../../workflows/engine/instant.ts';

/** What explaining a journey needs, as stored. */
export interface StoredJourney {
  ir: PlaybookIR;
  customerId: string;
  attrs: Record<string, unknown>;
  contractStart: number;
  contractEnd: number;
  enrolledAt: number;
  events: Array<{ id: string; type: string; at: number; data: Record<string, unknown> }>;
}

/** Most subjects explained on one page (a weekly repeating milestone over years has hundreds). */
const MAX_SUBJECTS = 60;

/**
 * Explains each milestone instance and risk of `report` as of `now`.
 * Returns explanations by subject; subjects the engine cannot explain (the
 * stored customer no longer matches the IR) get none, with the reason in
 * `problem`.
 */
export function explainJourney(journey: StoredJourney, report: JourneyReport, now: number): { bySubject: Map<string, Explanation>; problem: string | null } {
  const bySubject = new Map<string, Explanation>();
  const checked = checkCustomerFor(journey.ir, { ...journey.attrs, id: journey.customerId },
    { start: formatInstant(journey.contractStart), end: formatInstant(journey.contractEnd) });
  if (!checked.ok) return { bySubject, problem: checked.errors.join('; ') };
  const events: JourneyEvent[] = journey.events.flatMap((e) => {
    const read = checkEventFor(journey.ir, { id: e.id, type: e.type, at: formatInstant(e.at), data: e.data });
    return read.ok ? [read.value] : [];
  });
  const initial = receiveEvents(journey.ir, startJourney(journey.ir, { ...checked.value, enrolledAt: journey.enrolledAt }), events);
  const until = Math.min(now, journey.contractEnd);
  const state = advanceJourney(journey.ir, initial, until).state;
  const subjects = [...report.milestones.map((m) => m.id), ...new Set(report.risks.map((r) => r.id))].slice(0, MAX_SUBJECTS);
  for (const subject of subjects) {
    try {
      bySubject.set(subject, explain(journey.ir, state, subject, { initial, events }));
    } catch (err) {
      return { bySubject, problem: `cannot explain ${subject}: ${(err as Error).message}` };
    }
  }
  return { bySubject, problem: null };
}
