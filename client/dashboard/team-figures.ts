/**
 * The manager's figures (issue 13 item 3), one pure function over the read
 * model (client/read-model/: each journey's stored report, health and
 * milestone states): one row per CSM, overdue now across the team, the
 * renewal forecast for the next 12 months, renewal rate / GRR / NRR over a
 * period, activation by cohort and the health distribution. Each figure
 * keeps the journeys behind it, so every number links to its customers.
 *
 * Definitions (docs in the team page's footnotes):
 * - Book: the running journeys whose customer has that CSM; book value is
 *   their customers' `arr`, each customer once; capacity is a setting
 *   (default 5 M per CSM, the seeds' managers' sizing).
 * - On time per lifecycle stage: for each milestone, done over due (done,
 *   late, missed, overdue) in the CSM's book (the read model's states).
 * - At risk: a running journey with a raised risk (any level) or health
 *   below {@link AT_RISK_HEALTH}. ARR at risk is their customers' `arr`.
 * - Forecast: running journeys whose term ends in each of the next 12
 *   months; overdue when the renewal milestone is overdue, at risk as above,
 *   else on track.
 * - Period figures (renewal rate, GRR, NRR) count terms that closed
 *   (renewed or churned) with a contract end in the period. GRR = renewed
 *   ARR, each capped at its term's ARR, over the closed terms' ARR; NRR the
 *   same uncapped, with the next term's ARR when one is enrolled (the
 *   customer's `arr` today: one value per customer, so NRR equals GRR until
 *   customers carry a per-term amount).
 * - Activation by cohort: the read model's activation milestone
 *   (figures.ts `activationMilestone`) completed over not skipped, per
 *   month of contract start.
 */
import type { MilestoneState } from '../../workflows/engine/types.ts';
import { activationMilestone, cohortOf, milestoneOf, type PortfolioJourney } from '../read-model/figures.ts';

const DAY = 86_400_000;
/** Health under this counts as at risk. */
export const AT_RISK_HEALTH = 40;
/** Default book value one CSM can carry. */
export const DEFAULT_CAPACITY = 5_000_000;

/** One lifecycle stage's on-time share in a book. */
export interface StageRate { due: number; onTime: number; rate: number | null }

/** One CSM's row. `customers` of each figure are the ones behind it (drill-down). */
export interface CsmRow {
  csm: string;
  book: string[];
  arr: number;
  stages: Record<string, StageRate>;
  overdueNow: string[];
  openTasks: number;
  overdueTasks: number;
  atRisk: string[];
  arrAtRisk: number;
  /** arr / capacity. */
  load: number;
}

export type ForecastStatus = 'on track' | 'at risk' | 'overdue';

/** One month of the renewal forecast. */
export interface ForecastMonth {
  month: string;
  byStatus: Record<ForecastStatus, { count: number; arr: number; customers: string[] }>;
}

/** Everything the team page shows. */
export interface TeamFigures {
  asOf: number;
  capacity: number;
  /** Lifecycle stages (milestone ids) in playbook order, with a title. */
  stages: Array<{ id: string; title: string }>;
  csms: CsmRow[];
  /** Milestone instances overdue now, across the team. */
  overdue: Array<{ customerId: string; playbook: string; csm: string | null; milestone: string; title: string; dueAt: string | null }>;
  forecast: ForecastMonth[];
  period: { from: number; to: number; closed: number; renewed: number; churned: number; rateByCount: number | null; amountClosed: number; amountRenewed: number; rateByAmount: number | null; grr: number | null; nrr: number | null; renewedCustomers: string[]; churnedCustomers: string[] };
  activationByCohort: Array<{ cohort: string; eligible: number; activated: number; rate: number | null; customers: string[]; activatedCustomers: string[] }>;
  health: { buckets: Array<{ label: string; from: number; to: number; customers: string[] }>; none: number };
}

/** What a journey is at now, for the at-risk and forecast splits. */
function raisedRisk(journey: PortfolioJourney): boolean {
  return (journey.report?.risks ?? []).some((r) => r.cleared_at === null);
}

/** Whether a running journey counts as at risk (see the module doc). */
export function isAtRisk(journey: PortfolioJourney): boolean {
  return raisedRisk(journey) || (journey.health !== null && journey.health < AT_RISK_HEALTH);
}

/** The month `YYYY-MM` `k` months after the month of `now`. */
function monthAfter(now: number, k: number): string {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, 1)).toISOString().slice(0, 7);
}

/** Computes the team's figures as of `now`. */
export function computeTeamFigures(
  journeys: readonly PortfolioJourney[], tasks: ReadonlyMap<string, { open: number; overdue: number }>, now: number,
  options: { capacity?: number; period?: { from: number; to: number } } = {},
): TeamFigures {
  const capacity = options.capacity ?? DEFAULT_CAPACITY;
  const period = options.period ?? { from: now - 365 * DAY, to: now };
  const stages = new Map<string, string>();
  const rows = new Map<string, CsmRow & { arrBy: Set<string>; riskBy: Set<string> }>();
  const overdue: TeamFigures['overdue'] = [];
  const months = Array.from({ length: 12 }, (_, k) => monthAfter(now, k));
  const forecast = new Map<string, ForecastMonth>(months.map((month) => [month, {
    month, byStatus: { 'on track': { count: 0, arr: 0, customers: [] }, 'at risk': { count: 0, arr: 0, customers: [] }, overdue: { count: 0, arr: 0, customers: [] } },
  }]));
  const p = { closed: 0, renewed: 0, churned: 0, amountClosed: 0, amountRenewed: 0, amountNext: 0, renewedCustomers: [] as string[], churnedCustomers: [] as string[] };
  const cohorts = new Map<string, { eligible: number; activated: number; customers: string[]; activatedCustomers: string[] }>();
  const buckets = [0, 20, 40, 60, 80].map((from) => ({ label: `${from}–${from + 20}`, from, to: from + 20, customers: [] as string[] }));
  let noHealth = 0;
  // A next term: the same customer and playbook, starting where a term ended.
  const terms = Map.groupBy(journeys, (j) => `${j.customerId}\u0000${j.playbook}`);

  for (const journey of journeys) {
    for (const m of journey.milestones) if (!stages.has(m.id)) stages.set(m.id, m.title);
    const outcome = journey.report?.outcome ?? 'running';
    const titles = new Map(journey.milestones.map((m) => [m.id, m.title]));
    if (outcome === 'running') {
      const csm = journey.csm ?? '(none)';
      let row = rows.get(csm);
      if (row === undefined) {
        row = { csm, book: [], arr: 0, stages: {}, overdueNow: [], openTasks: 0, overdueTasks: 0, atRisk: [], arrAtRisk: 0, load: 0, arrBy: new Set(), riskBy: new Set() };
        rows.set(csm, row);
      }
      if (!row.arrBy.has(journey.customerId)) { row.arrBy.add(journey.customerId); row.book.push(journey.customerId); row.arr += journey.arr ?? 0; }
      const risky = isAtRisk(journey);
      if (risky && !row.riskBy.has(journey.customerId)) { row.riskBy.add(journey.customerId); row.atRisk.push(journey.customerId); row.arrAtRisk += journey.arr ?? 0; }
      for (const instance of journey.report?.milestones ?? []) {
        const id = milestoneOf(instance.id);
        const stage = (row.stages[id] ??= { due: 0, onTime: 0, rate: null });
        if (isDue(instance.state)) stage.due += 1;
        if (instance.state === 'done') stage.onTime += 1;
        if (instance.state === 'overdue') {
          row.overdueNow.push(journey.customerId);
          overdue.push({ customerId: journey.customerId, playbook: journey.playbook, csm: journey.csm, milestone: instance.id, title: titles.get(id) ?? id, dueAt: instance.due_at ?? null });
        }
      }
      const month = new Date(journey.contractEnd).toISOString().slice(0, 7);
      const slot = journey.contractEnd > now ? forecast.get(month) : undefined;
      if (slot !== undefined) {
        const renewal = journey.milestones.find((m) => m.renewal);
        const renewalState = renewal === undefined ? undefined : journey.report?.milestones.find((m) => milestoneOf(m.id) === renewal.id)?.state;
        const status: ForecastStatus = renewalState === 'overdue' ? 'overdue' : risky ? 'at risk' : 'on track';
        const cell = slot.byStatus[status];
        cell.count += 1;
        cell.arr += journey.arr ?? 0;
        cell.customers.push(journey.customerId);
      }
      if (journey.health === null) noHealth += 1;
      else buckets[Math.min(4, Math.max(0, Math.floor(journey.health / 20)))]!.customers.push(journey.customerId);
    }
    if ((outcome === 'renewed' || outcome === 'churned') && journey.contractEnd >= period.from && journey.contractEnd < period.to) {
      const arr = journey.arr ?? 0;
      p.closed += 1;
      p.amountClosed += arr;
      if (outcome === 'renewed') {
        const next = terms.get(`${journey.customerId}\u0000${journey.playbook}`)?.find((t) => t.contractStart >= journey.contractEnd - DAY && t !== journey);
        const nextArr = next?.arr ?? arr;
        p.renewed += 1;
        p.amountRenewed += Math.min(arr, nextArr);
        p.amountNext += nextArr;
        p.renewedCustomers.push(journey.customerId);
      } else {
        p.churned += 1;
        p.churnedCustomers.push(journey.customerId);
      }
    }
    const activation = activationMilestone(journey.milestones);
    const state = activation === null ? undefined : journey.report?.milestones.find((m) => milestoneOf(m.id) === activation)?.state;
    if (state !== undefined && state !== 'skipped') {
      const cohort = cohortOf(journey.contractStart);
      const c = cohorts.get(cohort) ?? { eligible: 0, activated: 0, customers: [], activatedCustomers: [] };
      c.eligible += 1;
      c.customers.push(journey.customerId);
      if (state === 'done' || state === 'late') { c.activated += 1; c.activatedCustomers.push(journey.customerId); }
      cohorts.set(cohort, c);
    }
  }

  const ratio = (n: number, d: number) => (d === 0 ? null : n / d);
  const csms = [...rows.values()].map(({ arrBy: _a, riskBy: _r, ...row }) => {
    for (const stage of Object.values(row.stages)) stage.rate = ratio(stage.onTime, stage.due);
    const t = tasks.get(row.csm);
    return { ...row, openTasks: t?.open ?? 0, overdueTasks: t?.overdue ?? 0, load: row.arr / capacity };
  }).sort((a, b) => (a.csm < b.csm ? -1 : a.csm > b.csm ? 1 : 0));
  overdue.sort((a, b) => (a.dueAt ?? '').localeCompare(b.dueAt ?? '') || a.customerId.localeCompare(b.customerId));
  return {
    asOf: now, capacity,
    stages: [...stages].map(([id, title]) => ({ id, title })),
    csms, overdue,
    forecast: months.map((m) => forecast.get(m)!),
    period: {
      from: period.from, to: period.to, closed: p.closed, renewed: p.renewed, churned: p.churned,
      rateByCount: ratio(p.renewed, p.closed), amountClosed: p.amountClosed, amountRenewed: p.amountRenewed, rateByAmount: ratio(p.amountRenewed, p.amountClosed),
      grr: ratio(p.amountRenewed, p.amountClosed), nrr: ratio(p.amountNext, p.amountClosed), renewedCustomers: p.renewedCustomers, churnedCustomers: p.churnedCustomers,
    },
    activationByCohort: [...cohorts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cohort, c]) => ({ cohort, ...c, rate: ratio(c.activated, c.eligible) })),
    health: { buckets, none: noHealth },
  };
}

function isDue(state: MilestoneState): boolean {
  return state === 'done' || state === 'late' || state === 'missed' || state === 'overdue';
}
