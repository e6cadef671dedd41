/**
 * The manager's pages (issue 13 item 3): the team (one row per CSM, overdue
 * now across the team, health), the forecast (renewals by month, renewal
 * rate, GRR and NRR over a chosen period, activation by cohort), and the
 * drill-down list behind every figure.
 */
import { columnBars } from './charts.ts';
import { esc, href, page, pct, type Viewer } from './html.ts';
import type { TeamFigures } from './team-figures.ts';
import { plural, shortMoney, when } from './words.ts';

/** Rows per page of the long lists. */
export const TEAM_PAGE_SIZE = 50;

/** A figure linking to the customers behind it. */
function drill(text: string, figure: string, customers: readonly string[], playbook: string | undefined): string {
  if (customers.length === 0) return esc(text);
  return `<a href="${href('/dashboard/team/customers', { figure, playbook })}" title="${esc(plural(customers.length, 'customer'))}">${esc(text)}</a>`;
}

/** The playbook filter (a dropdown of the real values). */
export function playbookSelect(action: string, playbooks: readonly string[], current: string | undefined, extra = ''): string {
  return `<form class="filters" method="get" action="${esc(action)}"><label>Playbook <select name="playbook"><option value="">all playbooks</option>${playbooks.map((p) => `<option${p === current ? ' selected' : ''}>${esc(p)}</option>`).join('')}</select></label>${extra}<button type="submit">Show</button></form>`;
}

/** The team page. */
export function renderTeamPage(f: TeamFigures, options: { playbook?: string | undefined; playbooks: readonly string[]; viewer: Viewer | null; ageMs: number; page: number; overduePage: number }): string {
  const pb = options.playbook;
  const stageHead = f.stages.map((s) => `<th class="num" title="${esc(s.title)}">${esc(s.title)}<br><span class="muted">on time</span></th>`).join('');
  const csmPages = Math.max(1, Math.ceil(f.csms.length / TEAM_PAGE_SIZE));
  const csmPage = Math.min(options.page, csmPages) - 1;
  const rows = f.csms.slice(csmPage * TEAM_PAGE_SIZE, (csmPage + 1) * TEAM_PAGE_SIZE).map((r) => `<tr data-csm="${esc(r.csm)}"><td><a href="${href('/dashboard/me', { csm: r.csm })}">${esc(r.csm)}</a></td>
<td class="num">${drill(String(r.book.length), `book:${r.csm}`, r.book, pb)}</td><td class="num">${esc(shortMoney(r.arr))}</td>
${f.stages.map((s) => { const st = r.stages[s.id]; return `<td class="num" title="${st ? `${st.onTime} of ${st.due} due on time` : 'none due'}">${st ? pct(st.rate) : '—'}</td>`; }).join('')}
<td class="num">${drill(String(r.overdueNow.length), `overdue:${r.csm}`, r.overdueNow, pb)}</td><td class="num">${r.openTasks}</td><td class="num">${r.overdueTasks}</td>
<td class="num">${drill(shortMoney(r.arrAtRisk), `at-risk:${r.csm}`, r.atRisk, pb)}</td>
<td class="num"><span title="${esc(shortMoney(r.arr))} of ${esc(shortMoney(f.capacity))}">${pct(r.load)}</span></td></tr>`).join('');
  const team = `<div class="box"><table id="team"><caption>${plural(f.csms.length, 'CSM')} · capacity ${esc(shortMoney(f.capacity))} per CSM</caption>
<thead><tr><th>CSM</th><th class="num">book</th><th class="num">ARR</th>${stageHead}<th class="num">overdue now</th><th class="num">open tasks</th><th class="num">overdue tasks</th><th class="num">ARR at risk</th><th class="num">load</th></tr></thead>
<tbody>${rows || `<tr><td class="empty" colspan="${8 + f.stages.length}">no running journeys</td></tr>`}</tbody></table></div>${pager('/dashboard/team', { playbook: pb }, csmPage + 1, csmPages)}`;
  const pages = Math.max(1, Math.ceil(f.overdue.length / TEAM_PAGE_SIZE));
  const current = Math.min(options.overduePage, pages) - 1;
  const shown = f.overdue.slice(current * TEAM_PAGE_SIZE, (current + 1) * TEAM_PAGE_SIZE);
  const overdue = `<div class="box"><table id="overdue"><caption>Overdue now across the team: ${plural(f.overdue.length, 'milestone')}</caption>
<thead><tr><th>customer</th><th>CSM</th><th>milestone</th><th>due</th></tr></thead><tbody>${shown.map((o) =>
    `<tr class="overdue"><td><a href="${href(`/dashboard/customers/${encodeURIComponent(o.customerId)}`)}">${esc(o.customerId)}</a></td><td>${esc(o.csm ?? '—')}</td><td>${esc(o.title)}<span class="muted"> · ${esc(o.playbook)}</span></td><td>${when(o.dueAt, f.asOf)}</td></tr>`).join('')
    || '<tr><td class="empty" colspan="4">nothing overdue</td></tr>'}</tbody></table></div>${pager('/dashboard/team', { playbook: pb, page: String(csmPage + 1) }, current + 1, pages, 'overdue_page')}`;
  const bucketColours = ['#c62828', '#ef6c00', '#f9a825', '#7cb342', '#2e7d32'];
  const health = columnBars('health-distribution', f.health.buckets.map((b, i) => ({
    label: b.label, value: b.customers.length, colour: bucketColours[i]!, href: href('/dashboard/team/customers', { figure: `health:${b.from}`, playbook: pb }),
  })));
  const body = `${playbookSelect('/dashboard/team', options.playbooks, pb)}
${team}
<h2>Overdue today</h2>${overdue}
<h2>Health</h2><p class="muted">Running journeys by health now${f.health.none ? ` (${plural(f.health.none, 'journey')} without a health score)` : ''}; click a bar for its customers. The trend is on the <a href="${href('/dashboard/forecast', { playbook: pb })}">forecast</a> page.</p>${health}
<p class="muted">Figures as of ${when(f.asOf, f.asOf)}, computed ${Math.round(options.ageMs / 1000)} s ago. On time = done by the due date over due instances; ARR at risk = customers with a raised risk or health below 40.</p>`;
  return page('Team', body, { nav: { playbook: pb }, viewer: options.viewer });
}

/** The forecast page: renewals by month, the period's rates, activation by cohort, the health trend. */
export function renderForecastPage(f: TeamFigures, options: { playbook?: string | undefined; playbooks: readonly string[]; viewer: Viewer | null; from: string; to: string; trend: string }): string {
  const pb = options.playbook;
  const status = ['on track', 'at risk', 'overdue'] as const;
  const months = f.forecast.map((m) => `<tr><td>${esc(m.month)}</td>${status.map((s) => {
    const c = m.byStatus[s];
    return `<td class="num">${drill(String(c.count), `forecast:${m.month}:${s}`, c.customers, pb)}</td><td class="num">${esc(shortMoney(c.arr))}</td>`;
  }).join('')}</tr>`).join('');
  const forecast = `<div class="box"><table id="forecast"><caption>Renewals in the next 12 months (running terms by contract end)</caption>
<thead><tr><th rowspan="2">month</th>${status.map((s) => `<th colspan="2">${s}</th>`).join('')}</tr><tr>${status.map(() => '<th class="num">count</th><th class="num">ARR</th>').join('')}</tr></thead><tbody>${months}</tbody></table></div>`;
  const p = f.period;
  const card = (id: string, label: string, value: string, detail: string) => `<div class="card" id="card-${id}"><div class="value">${value}</div><div class="label">${esc(label)}</div><div class="muted">${detail}</div></div>`;
  const periodForm = `<label>From <input type="date" name="from" value="${esc(options.from)}"></label><label>To <input type="date" name="to" value="${esc(options.to)}"></label>`;
  const cards = `<div class="cards">
${card('renewal-count', 'renewal rate (count)', pct(p.rateByCount), `${drill(`${p.renewed} renewed`, 'renewed', p.renewedCustomers, pb)}, ${drill(`${p.churned} churned`, 'churned', p.churnedCustomers, pb)}`)}
${card('renewal-amount', 'renewal rate (amount)', pct(p.rateByAmount), `${esc(shortMoney(p.amountRenewed))} of ${esc(shortMoney(p.amountClosed))}`)}
${card('grr', 'gross revenue retention', pct(p.grr), 'renewed ARR, capped at each term')}
${card('nrr', 'net revenue retention', pct(p.nrr), 'with next terms\u2019 ARR')}
</div>`;
  const cohorts = f.activationByCohort.map((c) => `<tr><td>${esc(c.cohort)}</td><td class="num">${drill(String(c.eligible), `cohort:${c.cohort}`, c.customers, pb)}</td><td class="num">${drill(String(c.activated), `activated:${c.cohort}`, c.activatedCustomers, pb)}</td><td class="num">${pct(c.rate)}</td></tr>`).join('');
  const body = `${playbookSelect('/dashboard/forecast', options.playbooks, pb, periodForm)}
${forecast}
<h2>Renewals closed ${esc(options.from)} to ${esc(options.to)}</h2>${cards}
<h2>Activation by cohort</h2><div class="box"><table id="activation"><caption>By month of contract start</caption><thead><tr><th>cohort</th><th class="num">journeys</th><th class="num">activated</th><th class="num">rate</th></tr></thead><tbody>${cohorts || '<tr><td class="empty" colspan="4">none</td></tr>'}</tbody></table></div>
<h2>Health trend</h2>${options.trend}`;
  return page('Forecast', body, { nav: { playbook: pb }, viewer: options.viewer });
}

/** The customers behind one figure. */
export function renderDrillDown(title: string, customers: readonly string[], options: { viewer: Viewer | null; page: number; query: Record<string, string | undefined> }): string {
  const pages = Math.max(1, Math.ceil(customers.length / TEAM_PAGE_SIZE));
  const current = Math.min(options.page, pages) - 1;
  const shown = [...new Set(customers)].slice(current * TEAM_PAGE_SIZE, (current + 1) * TEAM_PAGE_SIZE);
  const list = `<div class="box"><table id="drill-down"><caption>${plural(new Set(customers).size, 'customer')}</caption><thead><tr><th>customer</th></tr></thead><tbody>${shown.map((c) =>
    `<tr><td><a href="${href(`/dashboard/customers/${encodeURIComponent(c)}`)}">${esc(c)}</a></td></tr>`).join('') || '<tr><td class="empty">none</td></tr>'}</tbody></table></div>`;
  return page(title, `${list}${pager('/dashboard/team/customers', options.query, current + 1, pages)}`, { viewer: options.viewer });
}

/** Previous / next links of a paged list (1-based page). */
export function pager(path: string, query: Record<string, string | undefined>, current: number, pages: number, param = 'page'): string {
  if (pages <= 1) return '';
  return `<p class="pager">${current > 1 ? `<a href="${href(path, { ...query, [param]: current - 1 })}">← previous</a>` : ''}<span>page ${current} of ${pages}</span>${current < pages ? `<a href="${href(path, { ...query, [param]: current + 1 })}">next →</a>` : ''}</p>`;
}

/** The title and customers of a drill-down key (`book:<csm>`, `forecast:<month>:<status>`, ...), or null for an unknown one. */
export function drillDownOf(f: TeamFigures, figure: string): { title: string; customers: string[] } | null {
  const [kind, ...rest] = figure.split(':');
  const arg = rest.join(':');
  const csm = (key: string) => f.csms.find((r) => r.csm === key);
  switch (kind) {
    case 'book': { const r = csm(arg); return r ? { title: `${arg}'s book`, customers: r.book } : null; }
    case 'overdue': { const r = csm(arg); return r ? { title: `Overdue now in ${arg}'s book`, customers: r.overdueNow } : null; }
    case 'at-risk': { const r = csm(arg); return r ? { title: `At risk in ${arg}'s book`, customers: r.atRisk } : null; }
    case 'forecast': {
      const [month, status] = [rest[0], rest.slice(1).join(':')];
      const m = f.forecast.find((x) => x.month === month);
      const cell = m?.byStatus[status as 'on track'];
      return cell ? { title: `Renewals ${month}, ${status}`, customers: cell.customers } : null;
    }
    case 'renewed': return { title: 'Renewed in the period', customers: f.period.renewedCustomers };
    case 'churned': return { title: 'Churned in the period', customers: f.period.churnedCustomers };
    case 'cohort': { const c = f.activationByCohort.find((x) => x.cohort === arg); return c ? { title: `Cohort ${arg}`, customers: c.customers } : null; }
    case 'activated': { const c = f.activationByCohort.find((x) => x.cohort === arg); return c ? { title: `Activated in cohort ${arg}`, customers: c.activatedCustomers } : null; }
    case 'health': { const b = f.health.buckets.find((x) => String(x.from) === arg); return b ? { title: `Health ${b.label}`, customers: b.customers } : null; }
    default: return null;
  }
}
