/**
 * A CSM's page (issue 13 item 2, issue 11 item 5): their tasks (overdue,
 * due this week, later) with close and assign buttons, and their book: each
 * customer's health now and its 90-day sparkline, open and overdue
 * milestones with a button to complete one by hand, raised risks with the
 * engine's reason, opportunities ("ready for expansion"), renewals coming
 * up. Someone else's book is shown read-only (no buttons) unless the viewer
 * may work it (client/api/auth.ts `mayWork`).
 */
import type { TaskRow } from '../../store/tasks.ts';
import type { PortfolioJourney } from '../read-model/figures.ts';
import { milestoneOf } from '../read-model/figures.ts';
import { sparkline } from './charts.ts';
import { csrfInput, esc, href, page, stateBadge, type Viewer } from './html.ts';
import { pager } from './team-page.ts';
import { plural, shortMoney, when } from './words.ts';

const DAY = 86_400_000;
/** Rows per page of the book. */
export const BOOK_PAGE_SIZE = 50;
/** Tasks listed per group (the task page and CSV have all). */
const TASKS_SHOWN = 50;

/** Everything the page shows. */
export interface MyWork {
  csm: string;
  now: number;
  journeys: PortfolioJourney[];
  tasks: TaskRow[];
  histories: Map<string, Array<{ day: string; health: number }>>;
  /** `<customer>/<risk id>` → the engine's reason in words. */
  reasons: Map<string, string>;
  /** People a task can be given to. */
  assignees: string[];
  /** CSMs to look at (a dropdown). */
  csms: string[];
  /** May the viewer close, assign and complete in this book. */
  canWork: boolean;
  page: number;
}

/** The `_next` of a form on this page: back here. */
function back(csm: string, viewer: Viewer | null): string {
  return esc(viewer?.email === csm ? '/dashboard/me' : `/dashboard/me?csm=${encodeURIComponent(csm)}`);
}

/** The close and assign forms of one task. */
export function taskButtons(task: TaskRow, next: string, viewer: Viewer | null, assignees: readonly string[]): string {
  const close = `<form class="inline" method="post" action="/tasks/${task.id}/close">${csrfInput(viewer)}<input type="hidden" name="_next" value="${next}"><input name="note" placeholder="note" aria-label="note"><button type="submit" class="close-task">Close</button></form>`;
  const assign = `<form class="inline" method="post" action="/tasks/${task.id}/assign">${csrfInput(viewer)}<input type="hidden" name="_next" value="${next}"><select name="to" aria-label="assign to">${assignees.map((a) => `<option${a === task.assignee ? ' selected' : ''}>${esc(a)}</option>`).join('')}</select><button type="submit" class="quiet">Assign</button></form>`;
  return `${close} ${assign}`;
}

/** The form completing a milestone instance by hand. */
export function completeButton(customerId: string, journey: { playbook: string; contractStart: number }, milestone: string, next: string, viewer: Viewer | null): string {
  // The term named, so a milestone of a past or future term is completed in its own journey.
  const action = `/customers/${encodeURIComponent(customerId)}/journeys/${encodeURIComponent(journey.playbook)}/milestones/${encodeURIComponent(milestone)}/complete`
    + `?term=${encodeURIComponent(new Date(journey.contractStart).toISOString())}`;
  return `<form class="inline" method="post" action="${esc(action)}">${csrfInput(viewer)}<input type="hidden" name="_next" value="${next}"><input name="note" placeholder="note" aria-label="note"><button type="submit" class="complete-milestone quiet">Complete</button></form>`;
}

/** Renders the page. */
export function renderMyWork(w: MyWork, viewer: Viewer | null): string {
  const next = back(w.csm, viewer);
  const customerLink = (id: string) => `<a href="${href(`/dashboard/customers/${encodeURIComponent(id)}`)}">${esc(id)}</a>`;
  const running = w.journeys.filter((j) => (j.report?.outcome ?? 'running') === 'running');
  const customers = new Set(running.map((j) => j.customerId));
  const arr = [...new Map(running.map((j) => [j.customerId, j.arr ?? 0])).values()].reduce((a, b) => a + b, 0);
  const overdueTasks = w.tasks.filter((t) => t.due_at !== null && t.due_at.getTime() < w.now);
  const weekTasks = w.tasks.filter((t) => t.due_at !== null && t.due_at.getTime() >= w.now && t.due_at.getTime() < w.now + 7 * DAY);
  const laterTasks = w.tasks.filter((t) => t.due_at === null || t.due_at.getTime() >= w.now + 7 * DAY);
  const risks = running.flatMap((j) => (j.report?.risks ?? []).filter((r) => r.cleared_at === null).map((r) => ({ j, r, meta: j.risks.find((m) => m.id === r.id) })));
  const opportunities = running.flatMap((j) => (j.report?.opportunities ?? []).filter((r) => r.cleared_at === null).map((r) => ({ j, r, meta: j.risks.find((m) => m.id === r.id) })));
  const renewals = running.filter((j) => j.contractEnd > w.now && j.contractEnd <= w.now + 90 * DAY).sort((a, b) => a.contractEnd - b.contractEnd);

  const card = (id: string, label: string, value: string) => `<div class="card" id="card-${id}"><div class="value">${esc(value)}</div><div class="label">${esc(label)}</div></div>`;
  const cards = `<div class="cards">${card('customers', 'customers', String(customers.size))}${card('arr', 'ARR', shortMoney(arr))}${card('open-tasks', 'open tasks', String(w.tasks.length))}${card('overdue-tasks', 'overdue today', String(overdueTasks.length))}${card('week-tasks', 'due this week', String(weekTasks.length))}${card('risks', 'raised risks', String(risks.length))}${card('opportunities', 'ready for expansion', String(opportunities.length))}${card('renewals', 'renewals in 90 days', String(renewals.length))}</div>`;

  const taskTable = (id: string, title: string, rows: TaskRow[]) => `<div class="box"><table id="${id}"><caption>${esc(title)}: ${plural(rows.length, 'task')}</caption><thead><tr><th>customer</th><th>task</th><th>due</th><th>priority</th>${w.canWork ? '<th>do</th>' : ''}</tr></thead><tbody>${
    rows.slice(0, TASKS_SHOWN).map((t) => `<tr data-task="${t.id}"${t.due_at !== null && t.due_at.getTime() < w.now ? ' class="overdue"' : ''}><td>${customerLink(t.customer_id)}</td><td>${esc(t.title)}<span class="muted"> · ${esc(t.playbook)}</span></td><td>${when(t.due_at, w.now)}</td><td>${esc(t.priority)}</td>${w.canWork ? `<td>${taskButtons(t, next, viewer, w.assignees)}</td>` : ''}</tr>`).join('')
    || `<tr><td class="empty" colspan="${w.canWork ? 5 : 4}">none</td></tr>`}</tbody>${rows.length > TASKS_SHOWN ? `<tfoot><tr><td colspan="5" class="muted">showing ${TASKS_SHOWN} of ${rows.length}: <a href="${href('/dashboard/tasks', { csm: w.csm })}">all tasks</a></td></tr></tfoot>` : ''}</table></div>`;

  const pages = Math.max(1, Math.ceil(running.length / BOOK_PAGE_SIZE));
  const current = Math.min(w.page, pages) - 1;
  const bookRows = running.slice(current * BOOK_PAGE_SIZE, (current + 1) * BOOK_PAGE_SIZE).map((j) => {
    const titles = new Map(j.milestones.map((m) => [m.id, m.title]));
    const live = (j.report?.milestones ?? []).filter((m) => m.state === 'open' || m.state === 'overdue');
    const milestones = live.map((m) => `<div class="milestone" data-milestone="${esc(m.id)}" data-customer="${esc(j.customerId)}">${stateBadge(m.state)} ${esc(titles.get(milestoneOf(m.id)) ?? m.id)} <span class="muted">due ${when(m.due_at, w.now)}</span>${w.canWork ? ` ${completeButton(j.customerId, j, m.id, next, viewer)}` : ''}</div>`).join('') || '<span class="muted">none open</span>';
    return `<tr data-customer="${esc(j.customerId)}"><td>${customerLink(j.customerId)}<div class="muted">${esc(j.playbook)} · ends ${when(j.contractEnd, w.now)}</div></td><td class="num">${j.health === null ? '—' : j.health.toFixed(0)}</td><td>${sparkline(w.histories.get(j.workflowId) ?? [])}</td><td>${milestones}</td></tr>`;
  }).join('');
  const book = `<div class="box"><table id="book"><caption>${plural(running.length, 'running journey')} · ${plural(customers.size, 'customer')}</caption><thead><tr><th>customer</th><th class="num">health</th><th>last 90 days</th><th>open and overdue milestones</th></tr></thead><tbody>${bookRows || '<tr><td class="empty" colspan="4">no running journeys</td></tr>'}</tbody></table></div>${pager('/dashboard/me', { csm: w.csm }, current + 1, pages)}`;

  const raiseTable = (id: string, title: string, rows: typeof risks, withReason: boolean) => `<div class="box"><table id="${id}"><caption>${esc(title)}: ${rows.length}</caption><thead><tr><th>customer</th><th>${id === 'risks' ? 'risk' : 'opportunity'}</th><th>raised</th>${withReason ? '<th>why</th>' : ''}</tr></thead><tbody>${
    rows.map(({ j, r, meta }) => `<tr><td>${customerLink(j.customerId)}</td><td>${esc(meta?.title ?? r.id)} <span class="muted">${esc(meta?.level ?? '')}</span></td><td>${when(r.raised_at, w.now)}</td>${withReason ? `<td class="why">${esc(w.reasons.get(`${j.customerId}/${r.id}`) ?? 'see the customer page')}</td>` : ''}</tr>`).join('')
    || `<tr><td class="empty" colspan="${withReason ? 4 : 3}">none</td></tr>`}</tbody></table></div>`;
  const renewalTable = `<div class="box"><table id="renewals"><caption>Renewals in the next 90 days: ${renewals.length}</caption><thead><tr><th>customer</th><th>term ends</th><th class="num">ARR</th><th>renewal</th></tr></thead><tbody>${
    renewals.map((j) => {
      const renewal = j.milestones.find((m) => m.renewal);
      const state = renewal === undefined ? undefined : j.report?.milestones.find((m) => milestoneOf(m.id) === renewal.id)?.state;
      return `<tr><td>${customerLink(j.customerId)}</td><td>${when(j.contractEnd, w.now)}</td><td class="num">${j.arr === null ? '—' : esc(shortMoney(j.arr))}</td><td>${state === undefined ? '—' : stateBadge(state)}</td></tr>`;
    }).join('') || '<tr><td class="empty" colspan="4">none</td></tr>'}</tbody></table></div>`;

  const picker = w.csms.length <= 1 ? '' : `<form class="filters" method="get" action="/dashboard/me"><label>Book of <select name="csm">${w.csms.map((c) => `<option${c === w.csm ? ' selected' : ''}>${esc(c)}</option>`).join('')}</select></label><button type="submit">Show</button></form>`;
  const readOnly = w.canWork ? '' : `<p class="muted" id="read-only">${esc(w.csm)}'s book, read-only.</p>`;
  const body = `${picker}${readOnly}${cards}
<h2>Tasks</h2>${taskTable('tasks-overdue', 'Overdue', overdueTasks)}${taskTable('tasks-week', 'Due this week', weekTasks)}${taskTable('tasks-later', 'Later', laterTasks)}
<h2>Book</h2>${book}
<h2>Raised risks</h2>${raiseTable('risks', 'Raised risks', risks, true)}
<h2>Ready for expansion</h2>${raiseTable('opportunities', 'Opportunities', opportunities, false)}
<h2>Renewals coming up</h2>${renewalTable}`;
  return page(viewer?.email === w.csm ? 'My work' : `${w.csm}'s book`, body, { viewer, nav: { csm: w.csm } });
}
