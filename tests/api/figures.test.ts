/**
 * The managers' figures (client/read-model/figures.ts), pure: states as the
 * journeys stored them (no engine rule re-derived), rates over due
 * milestones, activation, renewals by count and amount with each term
 * counted once, cohorts, CSMs, open risks and opportunities, journeys behind.
 */
import { describe, expect, it } from 'vitest';
import { computeFigures, isBehind, type PortfolioJourney } from '../../client/read-model/figures.ts';
import { csvField, formatCsv, parseCsv } from '../../client/api/csv.ts';
import type { MilestoneState } from '../../workflows/engine/types.ts';

const T = (s: string) => Date.parse(s);
const milestones = [
  { id: 'activation', title: 'Activated', renewal: false },
  { id: 'qbr', title: 'Business review', renewal: false },
  { id: 'renewal', title: 'Renewed', renewal: true },
];
const risks = [{ id: 'low_health', title: 'Health below 40', level: 'high' as const }];

function journey(id: string, options: {
  csm?: string; arr?: number | null; start?: string; end?: string; outcome?: 'running' | 'renewed' | 'churned' | 'ended';
  states?: Array<[string, MilestoneState, string | null]>; risks?: Array<[string, string | null]>;
  opportunities?: Array<[string, string | null]>; health?: number | null; nextWakeAt?: string | null;
}): PortfolioJourney {
  const start = options.start ?? '2026-01-01';
  return {
    workflowId: `journey:p:${id}:${start}`, asOf: T('2026-10-30'), health: options.health ?? null,
    nextWakeAt: options.nextWakeAt === undefined ? T('2026-12-31') : options.nextWakeAt === null ? null : T(options.nextWakeAt),
    customerId: id, playbook: 'p', csm: options.csm ?? 'ada', arr: options.arr === undefined ? 1000 : options.arr,
    contractStart: T(start), contractEnd: T(options.end ?? '2027-01-01'),
    report: {
      outcome: options.outcome ?? 'running',
      milestones: (options.states ?? []).map(([mid, state, due]) => ({ id: mid, state, opens_at: start, due_at: due, completed_at: null })),
      risks: (options.risks ?? []).map(([rid, cleared]) => ({ id: rid, raised_at: '2026-03-01T00:00:00.000Z', cleared_at: cleared })),
      opportunities: (options.opportunities ?? []).map(([oid, cleared]) => ({ id: oid, raised_at: '2026-05-01T00:00:00.000Z', cleared_at: cleared })),
    },
    milestones, risks,
  };
}

describe('isBehind', () => {
  it('says a journey is behind once its own next wake-up has passed unprocessed', () => {
    expect(isBehind({ nextWakeAt: T('2026-02-01') }, T('2026-02-01'))).toBe(false);
    expect(isBehind({ nextWakeAt: T('2026-02-01') }, T('2026-02-01T00:00:00.001Z'))).toBe(true);
    expect(isBehind({ nextWakeAt: null }, T('2030-01-01'))).toBe(false);
  });
});

describe('computeFigures', () => {
  const now = T('2026-11-01');
  const portfolio = [
    journey('a', { csm: 'ada', start: '2026-01-15', end: '2026-12-15', arr: 3000, states: [['activation', 'done', null], ['qbr#1', 'done', null], ['qbr#2', 'late', null], ['renewal', 'open', '2026-12-01T00:00:00.000Z']] }),
    journey('b', { csm: 'ada', start: '2026-01-20', health: 60, states: [['activation', 'late', null], ['qbr#1', 'overdue', '2026-06-01T00:00:00.000Z']], risks: [['low_health', null], ['low_health', '2026-04-01T00:00:00.000Z']], opportunities: [['expansion', null]] }),
    journey('c', { csm: 'bo', start: '2026-02-03', health: 80, states: [['activation', 'skipped', null]], opportunities: [['expansion', '2026-06-01T00:00:00.000Z']] }),
    journey('d', { csm: 'bo', start: '2025-01-01', end: '2026-01-01', arr: 5000, outcome: 'renewed', states: [['activation', 'done', null], ['renewal', 'done', null]] }),
    journey('e', { csm: 'bo', start: '2025-02-01', end: '2026-02-01', arr: 15000, outcome: 'churned', states: [['activation', 'missed', null], ['renewal', 'missed', null]], risks: [['low_health', null]] }),
    // Its journey has not processed the term's close (Temporal down): counted as stored, and behind.
    journey('f', { csm: 'ada', start: '2025-10-01', end: '2026-10-01', arr: 10000, nextWakeAt: '2026-10-01', states: [['renewal', 'overdue', '2026-09-15T00:00:00.000Z']] }),
    // d's next term: the same customer and playbook, another term, counted on its own.
    journey('d', { csm: 'bo', start: '2026-01-01', end: '2027-01-01', arr: 5000, states: [['activation', 'done', null]] }),
  ];
  const figures = computeFigures(portfolio, now);

  it('counts milestone instances under their milestone, with rates over the due ones', () => {
    const qbr = figures.milestones.find((m) => m.milestone === 'qbr')!;
    expect(qbr).toMatchObject({ done: 1, late: 1, overdue: 1, due: 3 });
    expect(qbr.onTimeRate).toBeCloseTo(1 / 3);
    const activation = figures.milestones.find((m) => m.milestone === 'activation')!;
    expect(activation).toMatchObject({ done: 3, late: 1, missed: 1, skipped: 1, due: 5, onTimeRate: 0.6, missedRate: 0.2 });
  });

  it('derives activation from the activation milestone, leaving skipped ones out', () => {
    expect(figures.activation).toEqual({ eligible: 5, activated: 4, onTime: 3, rate: 0.8, onTimeRate: 0.6 });
  });

  it('counts renewal rate by count and by amount over closed terms, each term once, with the outcomes the journeys stored', () => {
    // d's first term renewed (5000), e churned (15000); f is still running as stored (behind); d's second term runs.
    expect(figures.outcomes).toEqual({ running: 5, renewed: 1, churned: 1, ended: 0 });
    expect(figures.renewals).toMatchObject({ closed: 2, renewed: 1, churned: 1, amountClosed: 20000, amountRenewed: 5000 });
    expect(figures.renewals.rateByCount).toBeCloseTo(1 / 2);
    expect(figures.renewals.rateByAmount).toBeCloseTo(5000 / 20000);
    expect(figures.journeys).toBe(7);
    expect(figures.customers).toBe(6);
    expect(figures.behind).toBe(1);
    expect(figures.meanHealth).toBe(70);
  });

  it('lists opportunities raised and not cleared apart from risks', () => {
    expect(figures.opportunities.map((o) => [o.customerId, o.risk])).toEqual([['b', 'expansion']]);
  });

  it('lists renewals due within 90 days and the risks still raised on running journeys', () => {
    // a ends 2026-12-15 (44 days), b, c and d's second term on 2027-01-01 (61 days; their reports carry no renewal instance).
    expect(figures.renewals.dueSoon.map((r) => [r.customerId, r.daysLeft, r.state])).toEqual([['a', 44, 'open'], ['b', 61, null], ['c', 61, null], ['d', 61, null]]);
    // e's raise is on a closed term; b's cleared raise is gone.
    expect(figures.risks.map((r) => [r.customerId, r.risk, r.title])).toEqual([['b', 'low_health', 'Health below 40']]);
  });

  it('groups by CSM and by contract-start month', () => {
    const bo = figures.byCsm.find((r) => r.csm === 'bo' && r.milestone === 'activation')!;
    expect(bo).toMatchObject({ done: 2, missed: 1, skipped: 1 });
    expect([...new Set(figures.byCohort.map((r) => r.cohort))]).toEqual(['2025-01', '2025-02', '2025-10', '2026-01', '2026-02']);
    const jan = figures.byCohort.find((r) => r.cohort === '2026-01' && r.milestone === 'activation')!;
    expect(jan).toMatchObject({ done: 2, late: 1 });
  });
});

describe('CSV', () => {
  it('round-trips quotes, commas and line breaks, and keeps line numbers for errors', () => {
    const text = formatCsv(['id', 'note'], [['a', 'plain'], ['b', 'has "quotes", commas\nand a line break']]);
    const rows = parseCsv(text);
    expect(rows.map((r) => r.cells)).toEqual([['id', 'note'], ['a', 'plain'], ['b', 'has "quotes", commas\nand a line break']]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(() => parseCsv('id,note\nx,"open')).toThrow(/line 2: unterminated/);
  });
  it('defuses spreadsheet formulas in exported cells but keeps negative numbers', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@cmd')).toBe(`'@cmd`);
    expect(csvField(-12.5)).toBe('-12.5');
  });
});
