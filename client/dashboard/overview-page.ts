/**
 * The overview page: headline figures, per-milestone outcomes (chart and
 * table), by CSM, by cohort, renewals due and raised risks.
 */
import type { PortfolioFigures } from '../read-model/figures.ts';
import { rateColumns, stackedBars } from './charts.ts';
import { esc, filterForm, href, money, page, pct, STATE_COLOURS, STATE_ORDER, type FilterChoices, type Viewer } from './html.ts';
import { byCohortTable, byCsmTable, milestonesTable, renderTable, renewalsTable, risksTable } from './tables.ts';

/** Most rows of the renewal and risk lists shown on the page; the CSV has all. */
export const LIST_LIMIT = 100;

/** Filters of the overview. */
export interface OverviewFilter {
  playbook?: string | undefined;
  csm?: string | undefined;
}

/** Renders the overview of `figures`. */
export function renderOverview(figures: PortfolioFigures, filter: OverviewFilter, viewer: Viewer | null = null, choices?: FilterChoices): string {
  const csv = (table: string) => href(`/dashboard/export/${table}.csv`, { ...filter });
  const card = (id: string, label: string, value: string, detail = '') =>
    `<div class="card" id="card-${id}"><div class="value">${esc(value)}</div><div class="label">${esc(label)}</div>${detail ? `<div class="muted">${esc(detail)}</div>` : ''}</div>`;
  const r = figures.renewals;
  const cards = `<div class="cards">
${card('journeys', 'journeys', String(figures.journeys), `${figures.customers} customers${figures.unreported ? `, ${figures.unreported} awaiting a first report` : ''}`)}
${card('activation', 'activation rate', pct(figures.activation.rate), `${figures.activation.activated} of ${figures.activation.eligible}; on time ${pct(figures.activation.onTimeRate)}`)}
${card('renewal-count', 'renewal rate (count)', pct(r.rateByCount), `${r.renewed} renewed, ${r.churned} churned`)}
${card('renewal-amount', 'renewal rate (amount)', pct(r.rateByAmount), `${money(r.amountRenewed)} of ${money(r.amountClosed)}`)}
${card('renewals-due', 'renewals due in 90 days', String(r.dueSoon.length))}
${card('risks', 'raised risks', String(figures.risks.length))}
</div>`;
  const outcomes = `<p class="muted">Outcomes: ${Object.entries(figures.outcomes).map(([k, v]) => `${esc(k)} ${v}`).join(' · ')}. Figures as of ${esc(figures.asOf)}.</p>`;
  const legend = `<p class="legend">${STATE_ORDER.filter((s) => s !== 'skipped').map((s) => `<span><span style="color:${STATE_COLOURS[s]}">■</span> ${s}</span>`).join('')}</p>`;
  const chart = stackedBars('milestone-chart', figures.milestones.map((m) => ({ label: `${m.playbook} · ${m.title}`, counts: m })), STATE_ORDER.filter((s) => s !== 'skipped'));
  const cohorts = aggregateCohorts(figures);
  const body = `${filterForm('/dashboard', filter, choices)}${cards}${outcomes}
<h2>Milestones</h2>${chart}${legend}
${renderTable(milestonesTable(figures), csv('milestones'))}
<h2>On-time rate by cohort</h2>${rateColumns('cohort-chart', cohorts)}
${renderTable(byCohortTable(figures), csv('by-cohort'), LIST_LIMIT)}
<h2>By CSM</h2>${renderTable(byCsmTable(figures), csv('by-csm'), LIST_LIMIT)}
<h2>Renewals</h2>${renderTable(renewalsTable(figures), csv('renewals'), LIST_LIMIT)}
<h2>Risks</h2>${renderTable(risksTable(figures), csv('risks'), LIST_LIMIT)}`;
  return page('Overview', body, { nav: filter, viewer });
}

/** On-time rate per cohort over all its milestones. */
function aggregateCohorts(figures: PortfolioFigures): Array<{ label: string; rate: number | null; n: number }> {
  const cohorts = new Map<string, { done: number; due: number }>();
  for (const row of figures.byCohort) {
    const c = cohorts.get(row.cohort) ?? { done: 0, due: 0 };
    c.done += row.done;
    c.due += row.due;
    cohorts.set(row.cohort, c);
  }
  return [...cohorts].map(([label, c]) => ({ label, rate: c.due === 0 ? null : c.done / c.due, n: c.due }));
}
