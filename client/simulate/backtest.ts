/**
 * Backtesting: runs a whole book of customers through a playbook and sums up
 * what it would have done — milestone on-time / late / missed rates, the
 * tasks and reminders it would have put on each person per week (peak and
 * mean), and the risks it would have raised.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { appliesTo, DAY_MS, formatInstant, WEEK_MS } from '../../workflows/engine/index.ts';
import type { MilestoneState, Outcome } from '../../workflows/engine/types.ts';
import { simulateJourney } from './run-journey.ts';
import type { Timeline } from './timeline.ts';

export { loadBook } from './book.ts';

/** Per milestone (repeat instances summed under the milestone's id). */
export interface MilestoneSummary {
  id: string;
  done: number;
  late: number;
  missed: number;
  skipped: number;
  /** pending, open or overdue as of `until` */
  unsettled: number;
  /** done / (done + late + missed); null when none settled */
  on_time_rate: number | null;
  late_rate: number | null;
  missed_rate: number | null;
}

/** Tasks and reminders one person would have received. */
export interface PersonLoad {
  person: string;
  roles: string[];
  tasks: number;
  reminders: number;
  /** the busiest week (Monday, UTC) and its count; the mean is over the weeks of the terms of the customers they hear about */
  peak_week: string | null;
  peak: number;
  mean_per_week: number;
}

export interface BacktestSummary {
  playbook: string;
  customers: number;
  /** customers left out because the playbook's `applies_to` is false for them */
  not_applicable: string[];
  until: string | null;
  outcomes: Record<Outcome, number>;
  milestones: MilestoneSummary[];
  workload: { weeks: number; peak: number; mean: number; people: PersonLoad[] };
  risks: Array<{ id: string; raised: number; customers: number }>;
}

/** Monday 00:00 UTC of the week of `at` (1970-01-05 was a Monday). */
function weekOf(at: number): number {
  const monday = 4 * DAY_MS;
  return Math.floor((at - monday) / WEEK_MS) * WEEK_MS + monday;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);

/** Runs every customer of the book and sums up (see {@link BacktestSummary}). */
export function runBacktest(
  ir: PlaybookIR,
  book: readonly Timeline[],
  options: { until?: number; onProgress?: (done: number) => void } = {},
): BacktestSummary {
  const milestoneIds = ir.milestones.map((m) => m.id);
  const counts = new Map(milestoneIds.map((id) => [id, { done: 0, late: 0, missed: 0, skipped: 0, unsettled: 0 }]));
  const outcomes: Record<Outcome, number> = { running: 0, renewed: 0, churned: 0, ended: 0 };
  const risks = new Map(ir.risks.map((r) => [r.id, { raised: 0, customers: new Set<string>() }]));
  const people = new Map<string, { roles: Set<string>; tasks: number; reminders: number; weeks: Map<number, number>; first: number; last: number }>();
  const notApplicable: string[] = [];
  let firstWeek = Infinity, lastWeek = -Infinity;
  book.forEach((timeline, index) => {
    if (!appliesTo(ir, timeline.customer, timeline.contract)) {
      notApplicable.push(timeline.customer.id);
      options.onProgress?.(index + 1);
      return;
    }
    const until = options.until ?? timeline.contract.end;
    const sim = simulateJourney(ir, timeline, { until });
    outcomes[sim.report.outcome]++;
    sim.state.milestones.forEach((inst, i) => {
      const state = sim.report.milestones[i]!.state;
      const c = counts.get(ir.milestones[inst.m]!.id)!;
      const key: Record<MilestoneState, keyof typeof c> = {
        done: 'done', late: 'late', missed: 'missed', skipped: 'skipped', pending: 'unsettled', open: 'unsettled', overdue: 'unsettled',
      };
      c[key[state]]++;
    });
    for (const r of sim.report.risks) {
      const entry = risks.get(r.id)!;
      entry.raised++;
      entry.customers.add(timeline.customer.id);
    }
    firstWeek = Math.min(firstWeek, weekOf(timeline.contract.start));
    lastWeek = Math.max(lastWeek, weekOf(Math.min(until, timeline.contract.end)));
    for (const a of sim.fired) {
      if (a.kind !== 'open_task' && a.kind !== 'remind') continue;
      const person = a.recipient === null ? `(${a.to} not set)` : String(a.recipient);
      let load = people.get(person);
      if (load === undefined) {
        load = { roles: new Set(), tasks: 0, reminders: 0, weeks: new Map(), first: Infinity, last: -Infinity };
        people.set(person, load);
      }
      // The weeks this person works on the book: the terms of the customers they hear about.
      load.first = Math.min(load.first, weekOf(timeline.contract.start));
      load.last = Math.max(load.last, weekOf(Math.min(until, timeline.contract.end)));
      load.roles.add(a.to);
      if (a.kind === 'open_task') load.tasks++;
      else load.reminders++;
      const w = weekOf(a.at);
      load.weeks.set(w, (load.weeks.get(w) ?? 0) + 1);
    }
    options.onProgress?.(index + 1);
  });
  const weeks = firstWeek === Infinity ? 0 : Math.round((lastWeek - firstWeek) / WEEK_MS) + 1;
  const loads: PersonLoad[] = [...people.entries()].map(([person, load]) => {
    let peakWeek: number | null = null, peak = 0;
    for (const [w, n] of [...load.weeks.entries()].sort((a, b) => a[0] - b[0])) {
      if (n > peak) { peak = n; peakWeek = w; }
    }
    return {
      person,
      roles: [...load.roles].sort(),
      tasks: load.tasks,
      reminders: load.reminders,
      peak_week: peakWeek === null ? null : formatInstant(peakWeek).slice(0, 10),
      peak,
      mean_per_week: Math.round(((load.tasks + load.reminders) / (Math.round((load.last - load.first) / WEEK_MS) + 1)) * 100) / 100,
    };
  }).sort((a, b) => b.peak - a.peak || a.person.localeCompare(b.person));
  return {
    playbook: ir.playbook,
    customers: book.length - notApplicable.length,
    not_applicable: notApplicable,
    until: options.until === undefined ? null : formatInstant(options.until),
    outcomes,
    milestones: milestoneIds.map((id) => {
      const c = counts.get(id)!;
      const settled = c.done + c.late + c.missed;
      return { id, ...c, on_time_rate: ratio(c.done, settled), late_rate: ratio(c.late, settled), missed_rate: ratio(c.missed, settled) };
    }),
    workload: {
      weeks,
      peak: loads.reduce((m, l) => Math.max(m, l.peak), 0),
      mean: loads.length === 0 ? 0 : Math.round((loads.reduce((s, l) => s + l.mean_per_week, 0) / loads.length) * 100) / 100,
      people: loads,
    },
    risks: [...risks.entries()].map(([id, r]) => ({ id, raised: r.raised, customers: r.customers.size })),
  };
}
