/**
 * The managers' figures (client/dashboard/figures.ts), pure: states as of
 * now from reports that may be older, rates over due milestones, activation,
 * renewals by count and amount, cohorts, CSMs, open risks.
 */
import { describe, expect, it } from 'vitest';
import { computeFigures, effectiveState, type PortfolioJourney } from '../../client/dashboard/figures.ts';
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
}): PortfolioJourney {
  const start = options.start ?? '2026-01-01';
  return {
    customerId: id, playbook: 'p', csm: options.csm ?? 'ada', arr: options.arr === undefined ? 1000 : options.arr,
    contractStart: T(start), contractEnd: T(options.end ?? '2027-01-01'),
    report: {
      outcome: options.outcome ?? 'running',
      milestones: (options.states ?? []).map(([mid, state, due]) => ({ id: mid, state, opens_at: start, due_at: due, completed_at: null })),
      risks: (options.risks ?? []).map(([rid, cleared]) => ({ id: rid, raised_at: '2026-03-01T00:00:00.000Z', cleared_at: cleared })),
    },
    milestones, risks,
  };
}

describe('effectiveState', () => {
  const end = T('2027-01-01');
  it('turns an open milestone overdue once its due has passed, even when the report predates it', () => {
    expect(effectiveState({ state: 'open', due_at: '2026-02-01T00:00:00.000Z', opens_at: null }, end, T('2026-02-01'))).toBe('overdue');
    expect(effectiveState({ state: 'open', due_at: '2026-02-01T00:00:00.000Z', opens_at: null }, end, T('2026-01-31T23:59:59Z'))).toBe('open');
  });
  it('turns anything unfinished missed once the term has closed, and keeps final states', () => {
    expect(effectiveState({ state: 'overdue', due_at: null, opens_at: null }, end, end)).toBe('missed');
    expect(effectiveState({ state: 'pending', due_at: null, opens_at: null }, end, end)).toBe('missed');
    for (const state of ['done', 'late', 'skipped'] as const) expect(effectiveState({ state, due_at: null, opens_at: null }, end, end)).toBe(state);
  });
  it('opens a pending milestone whose opening has passed', () => {
    expect(effectiveState({ state: 'pending', due_at: '2026-06-01T00:00:00.000Z', opens_at: '2026-03-01T00:00:00.000Z' }, end, T('2026-04-01'))).toBe('open');
  });
});

describe('computeFigures', () => {
  const now = T('2026-11-01');
  const portfolio = [
    journey('a', { csm: 'ada', start: '2026-01-15', end: '2026-12-15', arr: 3000, states: [['activation', 'done', null], ['qbr#1', 'done', null], ['qbr#2', 'late', null], ['renewal', 'open', '2026-12-01T00:00:00.000Z']] }),
    journey('b', { csm: 'ada', start: '2026-01-20', states: [['activation', 'late', null], ['qbr#1', 'open', '2026-06-01T00:00:00.000Z']], risks: [['low_health', null], ['low_health', '2026-04-01T00:00:00.000Z']] }),
    journey('c', { csm: 'bo', start: '2026-02-03', states: [['activation', 'skipped', null]] }),
    journey('d', { csm: 'bo', start: '2025-01-01', end: '2026-01-01', arr: 5000, outcome: 'renewed', states: [['activation', 'done', null], ['renewal', 'done', null]] }),
    journey('e', { csm: 'bo', start: '2025-02-01', end: '2026-02-01', arr: 15000, outcome: 'churned', states: [['activation', 'missed', null], ['renewal', 'missed', null]], risks: [['low_health', null]] }),
    // Term closed after the last refresh: still reported running with the renewal open.
    journey('f', { csm: 'ada', start: '2025-10-01', end: '2026-10-01', arr: 10000, states: [['renewal', 'open', '2026-09-15T00:00:00.000Z']] }),
  ];
  const figures = computeFigures(portfolio, now);

  it('counts milestone instances under their milestone, with rates over the due ones', () => {
    const qbr = figures.milestones.find((m) => m.milestone === 'qbr')!;
    // qbr#1 of b was due 2026-06-01 and is still open: overdue now.
    expect(qbr).toMatchObject({ done: 1, late: 1, overdue: 1, due: 3 });
    expect(qbr.onTimeRate).toBeCloseTo(1 / 3);
    const activation = figures.milestones.find((m) => m.milestone === 'activation')!;
    expect(activation).toMatchObject({ done: 2, late: 1, missed: 1, skipped: 1, due: 4, onTimeRate: 0.5, missedRate: 0.25 });
  });

  it('derives activation from the activation milestone, leaving skipped ones out', () => {
    expect(figures.activation).toEqual({ eligible: 4, activated: 3, onTime: 2, rate: 0.75, onTimeRate: 0.5 });
  });

  it('counts renewal rate by count and by amount over closed terms, closing stale ones', () => {
    // d renewed (5000), e churned (15000), f's term closed unrenewed (10000): churned.
    expect(figures.outcomes).toEqual({ running: 3, renewed: 1, churned: 2, ended: 0 });
    expect(figures.renewals).toMatchObject({ closed: 3, renewed: 1, churned: 2, amountClosed: 30000, amountRenewed: 5000 });
    expect(figures.renewals.rateByCount).toBeCloseTo(1 / 3);
    expect(figures.renewals.rateByAmount).toBeCloseTo(5000 / 30000);
  });

  it('lists renewals due within 90 days and the risks still raised on running journeys', () => {
    // a ends 2026-12-15 (44 days), b and c on 2027-01-01 (61 days; their reports carry no renewal instance).
    expect(figures.renewals.dueSoon.map((r) => [r.customerId, r.daysLeft, r.state])).toEqual([['a', 44, 'open'], ['b', 61, null], ['c', 61, null]]);
    // e's raise is on a closed term; b's cleared raise is gone.
    expect(figures.risks.map((r) => [r.customerId, r.risk, r.title])).toEqual([['b', 'low_health', 'Health below 40']]);
  });

  it('groups by CSM and by contract-start month', () => {
    const bo = figures.byCsm.find((r) => r.csm === 'bo' && r.milestone === 'activation')!;
    expect(bo).toMatchObject({ done: 1, missed: 1, skipped: 1 });
    expect([...new Set(figures.byCohort.map((r) => r.cohort))]).toEqual(['2025-01', '2025-02', '2025-10', '2026-01', '2026-02']);
    const jan = figures.byCohort.find((r) => r.cohort === '2026-01' && r.milestone === 'activation')!;
    expect(jan).toMatchObject({ done: 1, late: 1 });
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
