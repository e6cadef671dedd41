/**
 * The dashboard's tables, defined once: each table is a list of columns with
 * a raw value (what the CSV export writes) and an optional HTML rendering
 * (what the page shows). Page and CSV are two views of the same definition,
 * so an exported file always matches the screen.
 */
import type { MilestoneCounts, MilestoneFigures, OpenRisk, PortfolioFigures, RenewalDue } from '../read-model/figures.ts';
import { esc, href, money, pct, stateBadge } from './html.ts';
import type { MilestoneState } from '../../workflows/engine/types.ts';

/** One column: its header, its raw value, and how the page shows it. */
export interface Column<Row> {
  name: string;
  value: (row: Row) => unknown;
  /** Plain-text form for the page and the terminal (rates as percentages); default the raw value. */
  display?: (row: Row) => string;
  /** Markup for the page (links, badges); default the escaped display text. */
  html?: (row: Row) => string;
  numeric?: boolean;
}

/** A table definition over rows of one type. */
export interface TableSpec<Row> {
  id: string;
  title: string;
  columns: Array<Column<Row>>;
  rows: Row[];
}

/** Erases the row type so tables of different rows share one list. */
export type AnyTable = TableSpec<any>;

const countColumns = <R extends MilestoneCounts>(): Array<Column<R>> => [
  { name: 'on time', value: (r) => r.done, numeric: true },
  { name: 'late', value: (r) => r.late, numeric: true },
  { name: 'missed', value: (r) => r.missed, numeric: true },
  { name: 'overdue now', value: (r) => r.overdue, numeric: true },
  { name: 'open', value: (r) => r.open, numeric: true },
  { name: 'pending', value: (r) => r.pending, numeric: true },
  { name: 'skipped', value: (r) => r.skipped, numeric: true },
  { name: 'due', value: (r) => r.due, numeric: true },
  { name: 'on-time rate', value: (r) => r.onTimeRate, display: (r) => pct(r.onTimeRate), numeric: true },
  { name: 'late rate', value: (r) => r.lateRate, display: (r) => pct(r.lateRate), numeric: true },
  { name: 'missed rate', value: (r) => r.missedRate, display: (r) => pct(r.missedRate), numeric: true },
  { name: 'overdue-now rate', value: (r) => r.overdueRate, display: (r) => pct(r.overdueRate), numeric: true },
];

const milestoneColumns = <R extends MilestoneFigures>(): Array<Column<R>> => [
  { name: 'playbook', value: (r) => r.playbook },
  { name: 'milestone', value: (r) => r.milestone, html: (r) => `${esc(r.title)} <span class="muted">${esc(r.milestone)}</span>` },
];

/** Per-milestone figures. */
export function milestonesTable(figures: PortfolioFigures): TableSpec<MilestoneFigures> {
  return { id: 'milestones', title: 'Milestones', columns: [...milestoneColumns(), ...countColumns()], rows: figures.milestones };
}

/** Per-milestone figures by CSM. */
export function byCsmTable(figures: PortfolioFigures): TableSpec<MilestoneFigures & { csm: string }> {
  return {
    id: 'by-csm', title: 'By CSM',
    columns: [{ name: 'csm', value: (r) => r.csm, html: (r) => `<a href="${href('/dashboard', { csm: r.csm })}">${esc(r.csm)}</a>` }, ...milestoneColumns(), ...countColumns()],
    rows: figures.byCsm,
  };
}

/** Per-milestone figures by cohort (contract-start month). */
export function byCohortTable(figures: PortfolioFigures): TableSpec<MilestoneFigures & { cohort: string }> {
  return { id: 'by-cohort', title: 'By cohort (contract start month)', columns: [{ name: 'cohort', value: (r) => r.cohort }, ...milestoneColumns(), ...countColumns()], rows: figures.byCohort };
}

const customerLink = (id: string) => `<a href="${href(`/dashboard/customers/${encodeURIComponent(id)}`)}">${esc(id)}</a>`;

/** Renewals due within the horizon. */
export function renewalsTable(figures: PortfolioFigures): TableSpec<RenewalDue> {
  return {
    id: 'renewals', title: 'Renewals due in the next 90 days',
    columns: [
      { name: 'customer', value: (r) => r.customerId, html: (r) => customerLink(r.customerId) },
      { name: 'playbook', value: (r) => r.playbook },
      { name: 'csm', value: (r) => r.csm },
      { name: 'contract end', value: (r) => r.contractEnd, display: (r) => r.contractEnd.slice(0, 10) },
      { name: 'days left', value: (r) => r.daysLeft, numeric: true },
      { name: 'arr', value: (r) => r.arr, display: (r) => money(r.arr), numeric: true },
      { name: 'renewal milestone', value: (r) => r.state, html: (r) => (r.state === null ? '—' : stateBadge(r.state)) },
    ],
    rows: figures.renewals.dueSoon,
  };
}

/** Risks raised and not cleared. */
export function risksTable(figures: PortfolioFigures): TableSpec<OpenRisk> {
  return {
    id: 'risks', title: 'Customers with raised risks',
    columns: [
      { name: 'customer', value: (r) => r.customerId, html: (r) => customerLink(r.customerId) },
      { name: 'playbook', value: (r) => r.playbook },
      { name: 'csm', value: (r) => r.csm },
      { name: 'risk', value: (r) => r.risk, html: (r) => `${esc(r.title)} <span class="muted">${esc(r.risk)}</span>` },
      { name: 'level', value: (r) => r.level },
      { name: 'raised at', value: (r) => r.raisedAt },
    ],
    rows: figures.risks,
  };
}

/** One row of the portfolio grid. */
export interface GridRow {
  customerId: string;
  playbook: string;
  csm: string | null;
  cohort: string;
  outcome: string;
  states: Array<MilestoneState | null>;
}

/** The portfolio grid as a table (for CSV: one column per milestone instance). */
export function gridTable(columns: string[], rows: GridRow[]): TableSpec<GridRow> {
  return {
    id: 'portfolio', title: 'Portfolio',
    columns: [
      { name: 'customer', value: (r) => r.customerId },
      { name: 'playbook', value: (r) => r.playbook },
      { name: 'csm', value: (r) => r.csm },
      { name: 'cohort', value: (r) => r.cohort },
      { name: 'outcome', value: (r) => r.outcome },
      ...columns.map((name, i): Column<GridRow> => ({ name, value: (r) => r.states[i] ?? '' })),
    ],
    rows,
  };
}

/**
 * Renders a table spec to HTML. With `limit`, only the first rows are shown,
 * with a note pointing to the CSV export for the rest (a list of thousands
 * of rows is for a spreadsheet, not a page).
 */
export function renderTable<Row>(spec: TableSpec<Row>, csvHref?: string, limit = Infinity): string {
  const head = spec.columns.map((c) => `<th${c.numeric ? ' class="num"' : ''}>${esc(c.name)}</th>`).join('');
  const shown = spec.rows.length > limit ? spec.rows.slice(0, limit) : spec.rows;
  const body = shown.length === 0
    ? `<tr><td colspan="${spec.columns.length}" class="empty">none</td></tr>`
    : shown.map((row) => `<tr>${spec.columns.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${c.html ? c.html(row) : esc(displayText(c, row))}</td>`).join('')}</tr>`).join('');
  const csv = csvHref === undefined ? '' : ` <a class="csv" href="${csvHref}">CSV</a>`;
  const more = shown.length < spec.rows.length
    ? `<tfoot><tr><td colspan="${spec.columns.length}" class="muted">showing ${shown.length} of ${spec.rows.length}; every row is in the CSV</td></tr></tfoot>` : '';
  // In a box that scrolls sideways on a narrow screen instead of widening the page.
  return `<div class="box"><table id="${esc(spec.id)}" data-rows="${spec.rows.length}"><caption>${esc(spec.title)}${csv}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody>${more}</table></div>`;
}

/** The CSV header and raw rows of a table spec. */
export function tableRows<Row>(spec: TableSpec<Row>): { header: string[]; rows: unknown[][] } {
  return { header: spec.columns.map((c) => c.name), rows: spec.rows.map((row) => spec.columns.map((c) => c.value(row))) };
}

/** A cell as plain text: the column's display form, else its raw value. */
export function displayText<Row>(column: Column<Row>, row: Row): string {
  if (column.display) return column.display(row);
  const value = column.value(row);
  return value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
}

/** Renders a table spec as aligned plain text for a terminal. */
export function renderTextTable<Row>(spec: TableSpec<Row>): string {
  const header = spec.columns.map((c) => c.name);
  const rows = spec.rows.map((row) => spec.columns.map((c) => displayText(c, row)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (spec.columns[i]!.numeric ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  const body = rows.length === 0 ? ['(none)'] : rows.map(line);
  return [`${spec.title}`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body].join('\n') + '\n';
}
