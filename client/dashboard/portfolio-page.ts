/**
 * The portfolio grid page: customers × milestones, each cell coloured by the
 * milestone's state now, one grid per playbook, paged (the CSV export has
 * every row).
 */
import type { PlaybookGrid } from './grid.ts';
import { STATE_COLOURS, STATE_ORDER, esc, filterForm, href, page, type FilterChoices, type Viewer } from './html.ts';

/** Rows per page of the grid. */
export const GRID_PAGE_SIZE = 250;

/** Renders the grids; `pageIndex` counts from 0 and applies to each playbook's rows. */
export function renderPortfolio(grids: PlaybookGrid[], filter: { playbook?: string | undefined; csm?: string | undefined }, pageIndex: number, viewer: Viewer | null = null, choices?: FilterChoices): string {
  const legend = `<p class="legend">${STATE_ORDER.map((s) => `<span><span style="color:${STATE_COLOURS[s]}">■</span> ${s}</span>`).join('')}</p>`;
  const sections = grids.map((grid) => {
    const pages = Math.max(1, Math.ceil(grid.rows.length / GRID_PAGE_SIZE));
    const current = Math.min(pageIndex, pages - 1);
    const rows = grid.rows.slice(current * GRID_PAGE_SIZE, (current + 1) * GRID_PAGE_SIZE);
    const head = `<tr><th>customer</th><th>csm</th><th>outcome</th>${grid.columns.map((c, i) => `<th title="${esc(grid.titles[i])}">${esc(c)}</th>`).join('')}</tr>`;
    const body = rows.map((row) => `<tr data-customer="${esc(row.customerId)}"><td><a href="${href(`/dashboard/customers/${encodeURIComponent(row.customerId)}`)}">${esc(row.customerId)}</a></td><td>${esc(row.csm)}</td><td>${esc(row.outcome)}</td>${row.states.map((state, i) =>
      state === null ? '<td class="cell"></td>' : `<td class="cell" data-state="${state}" style="background:${STATE_COLOURS[state]}" title="${esc(grid.columns[i])}: ${state}"></td>`).join('')}</tr>`).join('');
    const nav = pages === 1 ? '' : `<p>Page ${current + 1} of ${pages} (${grid.rows.length} journeys) ${current > 0 ? `<a href="${href('/dashboard/portfolio', { ...filter, page: current })}">previous</a>` : ''} ${current + 1 < pages ? `<a href="${href('/dashboard/portfolio', { ...filter, page: current + 2 })}">next</a>` : ''}</p>`;
    return `<h2>${esc(grid.playbook)}</h2>${nav}<table class="grid" id="grid-${esc(grid.playbook)}"><caption>${esc(grid.rows.length)} journeys <a class="csv" href="${href('/dashboard/export/portfolio.csv', { ...filter, playbook: grid.playbook })}">CSV</a></caption><thead>${head}</thead><tbody>${body}</tbody></table>`;
  }).join('');
  return page('Portfolio', `${filterForm('/dashboard/portfolio', filter, choices)}${legend}${grids.length === 0 ? '<p class="muted">No journeys.</p>' : sections}`, { nav: filter, viewer });
}
