/**
 * The managers' figures, computed in one pure function shared by the
 * dashboard, `GET /figures` and `milepost report` so the three never
 * disagree.
 *
 * Input is the read model: each journey's report as of its last wake-up
 * (reference §12), written by the journey itself (store/journey-progress.ts),
 * plus what its pinned playbook says about its milestones. A journey wakes
 * at every instant its state can change (a due, an open, the term's close),
 * so its stored states are its states now; nothing here re-derives an engine
 * rule. A journey behind its own next wake-up (Temporal down) is counted as
 * stored and shown as `behind`.
 *
 * Definitions (also in docs/api.md):
 * - A milestone instance is *due* once it is done, late, missed or overdue.
 *   On-time / late / missed / overdue-now rates are shares of the due ones.
 * - Instances of a repeating milestone (`qbr#1`, `qbr#2`) count under their
 *   milestone (`qbr`).
 * - Activation: the milestone with id `activation`, or else the playbook's
 *   first milestone. The activation rate is completed (done or late) over
 *   journeys where it is not skipped.
 * - Renewal: the playbook's `renewal: true` milestone. Renewal rate by count
 *   is renewed over closed terms (renewed + churned); by amount the same
 *   weighted by the customer's `arr` attribute (0 when absent).
 * - Cohort: the month of `contract.start`, `YYYY-MM`.
 */
import type { JourneyReport, MilestoneState, Outcome } from '../../workflows/engine/types.ts';

/** Risks and opportunities as a report lists them (v2 reports add opportunities and tasks). */
type Raise = { id: string; raised_at: string; cleared_at: string | null };

const DAY = 24 * 60 * 60 * 1000;
/** How far ahead "renewals due" looks. */
export const RENEWAL_HORIZON_DAYS = 90;

/** What the figures need of one milestone of a playbook. */
export interface MilestoneMeta {
  id: string;
  title: string;
  renewal: boolean;
}

/** What the figures need of one risk of a playbook. */
export interface RiskMeta {
  id: string;
  title: string;
  level: 'low' | 'medium' | 'high';
}

/** One journey (one term) of the read model. Instants are epoch ms. */
export interface PortfolioJourney {
  workflowId: string;
  customerId: string;
  playbook: string;
  csm: string | null;
  /** The customer's `arr` attribute when it is a number, else null. */
  arr: number | null;
  contractStart: number;
  contractEnd: number;
  /** The report as of the journey's last wake-up, or null before its first. */
  report: (Pick<JourneyReport, 'outcome' | 'milestones' | 'risks'> & { opportunities?: Raise[] }) | null;
  /** The instant the report describes; null before the first wake-up. */
  asOf: number | null;
  /** Health as of `asOf` (null: no health in the playbook, or not woken yet). */
  health: number | null;
  /** When the journey wakes next (null once its term closed). */
  nextWakeAt: number | null;
  milestones: MilestoneMeta[];
  risks: RiskMeta[];
}

/** The journey has not processed an instant it should have by `now` (Temporal down or lagging): its report is older than it should be. */
export function isBehind(journey: Pick<PortfolioJourney, 'nextWakeAt'>, now: number): boolean {
  return journey.nextWakeAt !== null && journey.nextWakeAt < now;
}

/** Counts of milestone instances by state, and the rates over the due ones. */
export interface MilestoneCounts {
  done: number; late: number; missed: number; overdue: number; open: number; pending: number; skipped: number;
  /** done + late + missed + overdue */
  due: number;
  onTimeRate: number | null; lateRate: number | null; missedRate: number | null; overdueRate: number | null;
}

/** One milestone's counts within a group (a playbook, a CSM, a cohort). */
export interface MilestoneFigures extends MilestoneCounts {
  playbook: string;
  milestone: string;
  title: string;
}

/** A renewal coming up. */
export interface RenewalDue {
  customerId: string; playbook: string; csm: string | null; arr: number | null;
  contractEnd: string; daysLeft: number;
  /** The renewal milestone's state now, or null when the playbook has none. */
  state: MilestoneState | null;
}

/** A risk raised and not cleared. */
export interface OpenRisk {
  customerId: string; playbook: string; csm: string | null;
  risk: string; title: string; level: string; raisedAt: string;
}

/** Everything the dashboard and `milepost report` show. */
export interface PortfolioFigures {
  asOf: string;
  journeys: number;
  customers: number;
  /** Journeys with no report yet (just enrolled, or Temporal unreachable). */
  unreported: number;
  /** Journeys whose report is older than their own next wake-up (see {@link isBehind}). */
  behind: number;
  /** Mean health of the journeys with one, null when none has. */
  meanHealth: number | null;
  outcomes: Record<Outcome, number>;
  milestones: MilestoneFigures[];
  byCsm: Array<MilestoneFigures & { csm: string }>;
  byCohort: Array<MilestoneFigures & { cohort: string }>;
  activation: { eligible: number; activated: number; onTime: number; rate: number | null; onTimeRate: number | null };
  renewals: {
    dueSoon: RenewalDue[];
    closed: number; renewed: number; churned: number; rateByCount: number | null;
    amountClosed: number; amountRenewed: number; rateByAmount: number | null;
  };
  risks: OpenRisk[];
  /** (v2) Opportunities raised and not cleared: "ready for expansion". */
  opportunities: OpenRisk[];
}

/** `qbr#3` → `qbr`: instances of a repeating milestone count under it. */
export function milestoneOf(instanceId: string): string {
  const hash = instanceId.indexOf('#');
  return hash === -1 ? instanceId : instanceId.slice(0, hash);
}

/**
 * The activation milestone of a playbook, by this definition (docs/api.md,
 * "figures"): the milestone with id `activation`, or else the playbook's
 * first milestone. A figure's definition, not an engine rule.
 */
export function activationMilestone(milestones: MilestoneMeta[]): string | null {
  return milestones.find((m) => m.id === 'activation')?.id ?? milestones[0]?.id ?? null;
}

/** `YYYY-MM` of an instant. */
export function cohortOf(instant: number): string {
  return new Date(instant).toISOString().slice(0, 7);
}

function emptyCounts(): MilestoneCounts {
  return { done: 0, late: 0, missed: 0, overdue: 0, open: 0, pending: 0, skipped: 0, due: 0, onTimeRate: null, lateRate: null, missedRate: null, overdueRate: null };
}

function finish<T extends MilestoneCounts>(counts: T): T {
  counts.due = counts.done + counts.late + counts.missed + counts.overdue;
  const rate = (n: number) => (counts.due === 0 ? null : n / counts.due);
  counts.onTimeRate = rate(counts.done);
  counts.lateRate = rate(counts.late);
  counts.missedRate = rate(counts.missed);
  counts.overdueRate = rate(counts.overdue);
  return counts;
}

/** Computes every figure of the portfolio as of `now` (epoch ms). */
export function computeFigures(journeys: PortfolioJourney[], now: number): PortfolioFigures {
  const byMilestone = new Map<string, MilestoneFigures>();
  const byCsm = new Map<string, MilestoneFigures & { csm: string }>();
  const byCohort = new Map<string, MilestoneFigures & { cohort: string }>();
  const outcomes: Record<Outcome, number> = { running: 0, renewed: 0, churned: 0, ended: 0 };
  const activation = { eligible: 0, activated: 0, onTime: 0 };
  const renewals = { dueSoon: [] as RenewalDue[], closed: 0, renewed: 0, churned: 0, amountClosed: 0, amountRenewed: 0 };
  const risks: OpenRisk[] = [];
  const opportunities: OpenRisk[] = [];
  const customers = new Set<string>();
  let unreported = 0;
  let behind = 0;
  let healthSum = 0;
  let healthCount = 0;

  for (const journey of journeys) {
    customers.add(journey.customerId);
    const outcome = journey.report?.outcome ?? 'running';
    outcomes[outcome] += 1;
    if (journey.report === null) unreported += 1;
    if (isBehind(journey, now)) behind += 1;
    if (journey.health !== null) { healthSum += journey.health; healthCount += 1; }
    const titles = new Map(journey.milestones.map((m) => [m.id, m.title]));
    const cohort = cohortOf(journey.contractStart);
    const csm = journey.csm ?? '(none)';
    const states = new Map<string, MilestoneState>();
    for (const instance of journey.report?.milestones ?? []) {
      const { state } = instance;
      const id = milestoneOf(instance.id);
      // For a repeating milestone, the first instance stands for activation/renewal lookups.
      if (!states.has(id)) states.set(id, state);
      const base = { playbook: journey.playbook, milestone: id, title: titles.get(id) ?? id };
      tally(byMilestone, `${journey.playbook}\u0000${id}`, () => ({ ...base, ...emptyCounts() }), state);
      tally(byCsm, `${csm}\u0000${journey.playbook}\u0000${id}`, () => ({ ...base, csm, ...emptyCounts() }), state);
      tally(byCohort, `${cohort}\u0000${journey.playbook}\u0000${id}`, () => ({ ...base, cohort, ...emptyCounts() }), state);
    }
    const activationId = activationMilestone(journey.milestones);
    const activationState = activationId === null ? undefined : states.get(activationId);
    if (activationState !== undefined && activationState !== 'skipped') {
      activation.eligible += 1;
      if (activationState === 'done' || activationState === 'late') activation.activated += 1;
      if (activationState === 'done') activation.onTime += 1;
    }
    const renewal = journey.milestones.find((m) => m.renewal);
    if (renewal !== undefined) {
      if (outcome === 'renewed' || outcome === 'churned') {
        renewals.closed += 1;
        renewals.amountClosed += journey.arr ?? 0;
        if (outcome === 'renewed') { renewals.renewed += 1; renewals.amountRenewed += journey.arr ?? 0; } else renewals.churned += 1;
      }
    }
    if (journey.contractEnd > now && journey.contractEnd <= now + RENEWAL_HORIZON_DAYS * DAY) {
      renewals.dueSoon.push({
        customerId: journey.customerId, playbook: journey.playbook, csm: journey.csm, arr: journey.arr,
        contractEnd: new Date(journey.contractEnd).toISOString(),
        daysLeft: Math.ceil((journey.contractEnd - now) / DAY),
        state: renewal === undefined ? null : states.get(renewal.id) ?? null,
      });
    }
    if (outcome === 'running') {
      for (const [raises, into] of [[journey.report?.risks ?? [], risks], [journey.report?.opportunities ?? [], opportunities]] as const) {
        for (const raise of raises) {
          if (raise.cleared_at !== null) continue;
          const meta = journey.risks.find((r) => r.id === raise.id);
          into.push({
            customerId: journey.customerId, playbook: journey.playbook, csm: journey.csm,
            risk: raise.id, title: meta?.title ?? raise.id, level: meta?.level ?? 'medium', raisedAt: raise.raised_at,
          });
        }
      }
    }
  }

  const ratio = (n: number, d: number) => (d === 0 ? null : n / d);
  renewals.dueSoon.sort((a, b) => compare(a.contractEnd, b.contractEnd) || compare(a.customerId, b.customerId));
  const levelRank: Record<string, number> = { high: 0, medium: 1, low: 2 };
  const byLevel = (a: OpenRisk, b: OpenRisk) => (levelRank[a.level] ?? 3) - (levelRank[b.level] ?? 3) || compare(a.raisedAt, b.raisedAt) || compare(a.customerId, b.customerId);
  risks.sort(byLevel);
  opportunities.sort(byLevel);
  return {
    asOf: new Date(now).toISOString(),
    journeys: journeys.length,
    customers: customers.size,
    unreported,
    behind,
    meanHealth: healthCount === 0 ? null : healthSum / healthCount,
    outcomes,
    milestones: [...byMilestone.values()].map(finish),
    byCsm: [...byCsm.values()].map(finish).sort((a, b) => compare(a.csm, b.csm)),
    byCohort: [...byCohort.values()].map(finish).sort((a, b) => compare(a.cohort, b.cohort)),
    activation: { ...activation, rate: ratio(activation.activated, activation.eligible), onTimeRate: ratio(activation.onTime, activation.eligible) },
    renewals: {
      ...renewals,
      rateByCount: ratio(renewals.renewed, renewals.closed),
      rateByAmount: ratio(renewals.amountRenewed, renewals.amountClosed),
    },
    risks,
    opportunities,
  };
}

/** Code-point order: stable across machines and far cheaper than localeCompare on long lists. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function tally<T extends MilestoneCounts>(groups: Map<string, T>, key: string, create: () => T, state: MilestoneState): void {
  let group = groups.get(key);
  if (group === undefined) { group = create(); groups.set(key, group); }
  group[state] += 1;
}
