/**
 * A customer's page: attributes, and per journey the milestone timeline (SVG),
 * each milestone's state with the engine's explanation of why, raised risks,
 * the actions fired, and what became of them (tasks, outbox, ledger).
 */
import type { JourneyReport, MilestoneState } from '../../workflows/engine/types.ts';
import type { Explanation } from '../../workflows/engine/types.ts';
import type { LedgerRow } from '../../store/ledger.ts';
import type { OutboxRow } from '../../store/outbox.ts';
import type { TaskRow } from '../../store/tasks.ts';
import { STATE_COLOURS, day, esc, href, page, stateBadge, type Viewer } from './html.ts';
import { renderTable, type AnyTable, type TableSpec } from './tables.ts';
import { sparkline } from './charts.ts';
import { completeButton, taskButtons } from './my-work-page.ts';
import { when } from './words.ts';

/** The `_next` of the page's forms: back to this customer. */
function back(customerId: string): string {
  return esc(`/dashboard/customers/${encodeURIComponent(customerId)}`);
}

/** One journey as the page shows it. */
export interface CustomerJourneyView {
  playbook: string;
  playbookHash: string;
  workflowId: string;
  contractStart: number;
  contractEnd: number;
  enrolledAt: number;
  report: JourneyReport | null;
  reportUpdatedAt: Date | null;
  titles: Map<string, string>;
  explanations: Map<string, Explanation>;
  explainProblem: string | null;
  tasks: TaskRow[];
  outbox: OutboxRow[];
  ledger: LedgerRow[];
  /** Health per day over the last 90 days (the read model's history). */
  health?: Array<{ day: string; health: number }>;
  /** Health now, from the read model. */
  healthNow?: number | null;
  /** The key of its tables' ids (`milestones-<anchor>`): the playbook, with the term's start when the customer has several terms of it. */
  anchor?: string;
}

/** Each journey with its {@link CustomerJourneyView.anchor}: ids stay unique when a customer has several terms of a playbook. */
function withAnchors(journeys: CustomerJourneyView[]): CustomerJourneyView[] {
  const terms = new Map<string, number>();
  for (const j of journeys) terms.set(j.playbook, (terms.get(j.playbook) ?? 0) + 1);
  return journeys.map((j) => ({ ...j, anchor: terms.get(j.playbook)! > 1 ? `${j.playbook}-${day(new Date(j.contractStart).toISOString())}` : j.playbook }));
}
const anchorOf = (j: CustomerJourneyView) => j.anchor ?? j.playbook;

/** The buttons a viewer who may work this customer gets: close/assign tasks, complete milestones. */
export interface CustomerWork {
  viewer: Viewer | null;
  assignees: string[];
}

/** Renders the customer page. */
export function renderCustomerPage(customer: { id: string; attrs: Record<string, unknown>; csm: string | null }, views: CustomerJourneyView[], now: number, viewer: Viewer | null = null, work: CustomerWork | null = null): string {
  const journeys = withAnchors(views);
  const attrs = Object.entries(customer.attrs).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  const sections = journeys.map((j) => renderJourney(customer.id, j, now, work)).join('');
  const terms = journeys.length === 0 ? '' : `<div class="box"><table id="terms"><caption>Terms</caption><thead><tr><th>playbook</th><th>contract</th><th>outcome</th><th class="num">health</th><th>last 90 days</th></tr></thead><tbody>${journeys.map((j) =>
    `<tr><td><a href="#journey-${esc(anchorOf(j))}">${esc(j.playbook)}</a></td><td>${when(j.contractStart, now)} → ${when(j.contractEnd, now)}</td><td>${esc(j.report?.outcome ?? 'not reported yet')}</td><td class="num">${j.healthNow === null || j.healthNow === undefined ? '—' : j.healthNow.toFixed(0)}</td><td>${sparkline(j.health ?? [])}</td></tr>`).join('')}</tbody></table></div>`;
  const body = `<table id="attributes"><caption>Attributes</caption><tbody><tr><th>id</th><td>${esc(customer.id)}</td></tr>${attrs}</tbody></table>
${terms}${journeys.length === 0 ? '<p class="muted">Not enrolled in any playbook.</p>' : sections}`;
  return page(`Customer ${customer.id}`, body, { viewer });
}

function renderJourney(customerId: string, j: CustomerJourneyView, now: number, work: CustomerWork | null): string {
  const report = j.report;
  const exportHref = (table: string) => href(`/dashboard/customers/${encodeURIComponent(customerId)}/export/${table}.csv`, { playbook: j.playbook, term: new Date(j.contractStart).toISOString() });
  const header = `<h2 id="journey-${esc(anchorOf(j))}">${esc(j.playbook)} <span class="muted">${esc(j.workflowId)} · pinned ${esc(j.playbookHash.slice(0, 19))}…</span></h2>
<p>Contract ${day(new Date(j.contractStart).toISOString())} → ${day(new Date(j.contractEnd).toISOString())}, enrolled ${day(new Date(j.enrolledAt).toISOString())}.
Outcome: <strong>${esc(report?.outcome ?? 'not reported yet')}</strong>${j.reportUpdatedAt ? ` <span class="muted">(report of ${esc(j.reportUpdatedAt.toISOString())})</span>` : ''}</p>`;
  if (report === null) return `${header}<p class="muted">The journey has not reported yet.</p>`;
  const t = customerJourneyTables(j, now, work === null ? null : { ...work, customerId });
  const problem = j.explainProblem === null ? '' : `<p class="muted">No explanations: ${esc(j.explainProblem)}</p>`;
  return `${header}${timeline(j, report, now)}${problem}
${Object.entries(t).map(([name, table]) => renderTable(table, exportHref(name))).join('\n')}`;
}

function renderWhy(explanation: Explanation | undefined): string {
  if (explanation === undefined) return '<span class="muted">—</span>';
  const parts = explanation.condition?.parts
    .filter((p) => p.depth <= 1)
    .map((p) => `<code>${esc(p.text)}</code> = ${esc(JSON.stringify(p.value))}`)
    .join('; ');
  const events = explanation.events.length === 0 ? '' : ` <span class="muted">(${explanation.events.length} event${explanation.events.length === 1 ? '' : 's'} counted)</span>`;
  return `<div class="why">${esc(explanation.summary)}${parts ? `<br>${parts}` : ''}${events}</div>`;
}

/** The journey on a time axis: one bar per milestone instance from opens to due, a dot at completion, a line at now. */
function timeline(j: CustomerJourneyView, report: JourneyReport, now: number): string {
  const rows = report.milestones.filter((m) => m.opens_at !== null).slice(0, 40);
  const left = 150, width = 700, rowHeight = 16, top = 20;
  const span = j.contractEnd - j.contractStart;
  const x = (iso: string | number) => left + Math.max(0, Math.min(1, ((typeof iso === 'number' ? iso : Date.parse(iso)) - j.contractStart) / span)) * width;
  const height = top + rows.length * rowHeight + 24;
  const bars = rows.map((m, i) => {
    const y = top + i * rowHeight;
    const state: MilestoneState = m.state;
    const x1 = x(m.opens_at!), x2 = Math.max(x(m.due_at ?? m.opens_at!), x1 + 2);
    const done = m.completed_at === null ? '' : `<circle cx="${x(m.completed_at).toFixed(1)}" cy="${y + rowHeight / 2 - 2}" r="4" fill="#1c2833"><title>completed ${esc(m.completed_at)}</title></circle>`;
    return `<text x="${left - 6}" y="${y + rowHeight - 6}" text-anchor="end" font-size="11">${esc(m.id)}</text><rect x="${x1.toFixed(1)}" y="${y + 2}" width="${(x2 - x1).toFixed(1)}" height="${rowHeight - 8}" fill="${STATE_COLOURS[state]}"><title>${esc(m.id)}: ${state}, opens ${esc(m.opens_at)}, due ${esc(m.due_at)}</title></rect>${done}`;
  }).join('');
  const nowLine = now > j.contractStart && now < j.contractEnd ? `<line x1="${x(now)}" x2="${x(now)}" y1="${top - 6}" y2="${height - 18}" stroke="#c62828" stroke-dasharray="3 2"/><text x="${x(now)}" y="${top - 8}" font-size="10" text-anchor="middle" fill="#c62828">now</text>` : '';
  const axis = `<text x="${left}" y="${height - 4}" font-size="10">${day(new Date(j.contractStart).toISOString())}</text><text x="${left + width}" y="${height - 4}" font-size="10" text-anchor="end">${day(new Date(j.contractEnd).toISOString())}</text>`;
  return `<svg id="timeline-${esc(anchorOf(j))}" role="img" aria-label="journey timeline" width="${left + width + 20}" height="${height}" xmlns="http://www.w3.org/2000/svg">${bars}${nowLine}${axis}</svg>`;
}

/** A journey's tables, by the name their CSV export uses. */
export function customerJourneyTables(j: CustomerJourneyView, now: number, work: (CustomerWork & { customerId: string }) | null = null): Record<'milestones' | 'risks' | 'actions' | 'tasks' | 'outbox' | 'ledger', AnyTable> {
  const report = j.report;
  const milestones: TableSpec<JourneyReport['milestones'][number]> = {
    id: `milestones-${anchorOf(j)}`, title: 'Milestones and why',
    columns: [
      { name: 'milestone', value: (m) => m.id, html: (m) => `${esc(j.titles.get(m.id.split('#')[0]!) ?? m.id)} <span class="muted">${esc(m.id)}</span>` },
      { name: 'state', value: (m) => m.state, html: (m) => stateBadge(m.state) },
      { name: 'opens', value: (m) => m.opens_at, html: (m) => when(m.opens_at, now) },
      { name: 'due', value: (m) => m.due_at, html: (m) => when(m.due_at, now) },
      { name: 'completed', value: (m) => m.completed_at, html: (m) => esc(m.completed_at ?? '—') },
      { name: 'why', value: (m) => j.explanations.get(m.id)?.summary ?? '', html: (m) => renderWhy(j.explanations.get(m.id)) },
      ...(work === null ? [] : [{ name: 'do', value: () => '', html: (m: JourneyReport['milestones'][number]) =>
        (m.state === 'open' || m.state === 'overdue' ? completeButton(work.customerId, j, m.id, back(work.customerId), work.viewer) : '') }]),
    ],
    rows: report?.milestones ?? [],
  };
  const risks: TableSpec<JourneyReport['risks'][number]> = {
    id: `risks-${anchorOf(j)}`, title: 'Risks',
    columns: [
      { name: 'risk', value: (r) => r.id },
      { name: 'raised at', value: (r) => r.raised_at },
      { name: 'cleared at', value: (r) => r.cleared_at, html: (r) => esc(r.cleared_at ?? 'still raised') },
      { name: 'why', value: (r) => j.explanations.get(r.id)?.summary ?? '', html: (r) => renderWhy(j.explanations.get(r.id)) },
    ],
    rows: report?.risks ?? [],
  };
  const actions: TableSpec<JourneyReport['actions'][number]> = {
    id: `actions-${anchorOf(j)}`, title: 'Actions fired',
    columns: [
      { name: 'at', value: (a) => a.at },
      { name: 'kind', value: (a) => a.kind },
      { name: 'source', value: (a) => a.source },
      { name: 'to', value: (a) => a.to },
      { name: 'what', value: (a) => a.title ?? a.message ?? a.template ?? '' },
    ],
    rows: report?.actions ?? [],
  };
  const tasks: TableSpec<TaskRow> = {
    id: `tasks-${anchorOf(j)}`, title: 'Tasks',
    columns: [
      { name: 'title', value: (t) => t.title }, { name: 'assignee', value: (t) => t.assignee ?? t.assignee_role },
      { name: 'priority', value: (t) => t.priority }, { name: 'due', value: (t) => t.due_at, html: (t) => when(t.due_at, now) }, { name: 'status', value: (t) => t.status },
      ...(work === null ? [] : [{ name: 'do', value: () => '', html: (t: TaskRow) => (t.status === 'open' ? taskButtons(t, back(work.customerId), work.viewer, work.assignees) : esc(t.closed_by ? `closed by ${t.closed_by}` : t.closed_because ?? '')) }]),
    ],
    rows: j.tasks,
  };
  const outbox: TableSpec<OutboxRow> = {
    id: `outbox-${anchorOf(j)}`, title: 'Messages (outbox)',
    columns: [
      { name: 'fired', value: (o) => o.fired_at }, { name: 'kind', value: (o) => o.kind }, { name: 'channel', value: (o) => o.channel },
      { name: 'to', value: (o) => o.recipient ?? o.recipient_role }, { name: 'subject', value: (o) => o.subject },
      { name: 'status', value: (o) => o.status }, { name: 'last error', value: (o) => o.last_error },
    ],
    rows: j.outbox,
  };
  const ledger: TableSpec<LedgerRow> = {
    id: `ledger-${anchorOf(j)}`, title: 'Ledger',
    columns: [
      { name: 'at', value: (l) => l.at }, { name: 'kind', value: (l) => l.kind }, { name: 'subject', value: (l) => l.subject },
      { name: 'from', value: (l) => l.from_state }, { name: 'to', value: (l) => l.to_state },
    ],
    rows: j.ledger,
  };
  return { milestones, risks, actions, tasks, outbox, ledger };
}
