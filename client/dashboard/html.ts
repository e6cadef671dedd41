/**
 * Small HTML helpers for the server-rendered dashboard: escaping, the page
 * frame, tables and number formats. Every value that reaches a page goes
 * through {@link esc} (or {@link attr}), so customer data cannot inject markup.
 */
import type { MilestoneState } from '../../workflows/engine/types.ts';

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A URL with query parameters (undefined/empty ones left out), escaped for an attribute. */
export function href(path: string, query: Record<string, string | number | undefined | null> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return esc(qs === '' ? path : `${path}?${qs}`);
}

/** A share as a percentage with one decimal, or an em dash when undefined. */
export function pct(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

/** An amount with thousands separators. */
export function money(amount: number | null): string {
  return amount === null ? '—' : Math.round(amount).toLocaleString('en-US');
}

/** `2026-02-28` of an ISO instant, or an em dash. */
export function day(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '—';
}

/** The colour of each milestone state, shared by the grid, the legend and the charts. */
export const STATE_COLOURS: Record<MilestoneState, string> = {
  done: '#2e7d32', late: '#f9a825', missed: '#c62828', overdue: '#ef6c00', open: '#1565c0', pending: '#b0bec5', skipped: '#eceff1',
};

/** States in the order the dashboard lists them. */
export const STATE_ORDER: MilestoneState[] = ['done', 'late', 'overdue', 'missed', 'open', 'pending', 'skipped'];


/** Who is looking at a page: the header names them, offers sign-out, and shows the links of their role. */
export interface Viewer {
  email: string;
  role: 'manager' | 'csm' | 'operator';
  /** The CSRF token every form of the page carries (null for bearer-token readers, who post no forms). */
  csrf: string | null;
  /** The machine token (no person). */
  machine: boolean;
}

/** The hidden CSRF field every state-changing form carries. */
export function csrfInput(viewer: Viewer | null | undefined): string {
  return viewer?.csrf ? `<input type="hidden" name="_csrf" value="${esc(viewer.csrf)}">` : '';
}

/** The page frame's options: the filters kept in navigation links, and who is looking. */
export interface PageOptions {
  nav?: { playbook?: string | undefined; csm?: string | undefined };
  viewer?: Viewer | null;
}

/** The one style of every page: readable at 1280 px and on a phone (tables scroll inside their box, labels wrap). */
const STYLE = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1c2833;background:#f6f7f9}
header{background:#1c2833;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1.1rem;align-items:center}
header a{color:#dfe6ec;text-decoration:none}header a:hover{color:#fff;text-decoration:underline}
header strong{font-size:1.05rem;color:#fff;margin-right:.4rem}
header .who{margin-left:auto;display:flex;gap:.6rem;align-items:center;color:#b0bec5;font-size:.9rem}
header .who button{background:none;border:1px solid #607d8b;color:#dfe6ec;border-radius:4px;padding:.1rem .5rem;cursor:pointer}
main{padding:1rem;max-width:1280px;margin:0 auto}
h1{font-size:1.35rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}h3{font-size:1rem;margin:1rem 0 .4rem}
.box{overflow-x:auto;max-width:100%;margin:.4rem 0 1rem}
table{border-collapse:collapse;background:#fff;min-width:min(100%,40rem)}
caption{text-align:left;font-weight:600;padding:.2rem 0;caption-side:top}
th,td{border:1px solid #dde3e8;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#eef1f4;font-weight:600}td.num,th.num{text-align:right}td.num{white-space:nowrap}th.num{max-width:8rem}
td.empty{color:#78909c;font-style:italic}
tr.overdue td{background:#fff4e5}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.7rem;margin-bottom:1rem}
.card{background:#fff;border:1px solid #dde3e8;border-radius:6px;padding:.6rem .8rem}
.card .value{font-size:1.45rem;font-weight:600}.card .label{color:#546e7a}.card a{color:inherit;text-decoration:none}
.state{display:inline-block;padding:0 .35rem;border-radius:3px;color:#fff;font-size:.8rem;white-space:nowrap}
.grid td.cell{width:1.6rem;height:1.1rem;padding:0}
.legend span{margin-right:.6rem;white-space:nowrap}
a.csv{font-weight:400;font-size:.85rem;margin-left:.5rem}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin:.2rem 0 1rem}
form.filters label{display:flex;flex-direction:column;font-size:.85rem;color:#546e7a}
select,input,button{font:inherit}select,input[type=text],input[type=password],input:not([type]){padding:.2rem .35rem;border:1px solid #b0bec5;border-radius:4px;background:#fff;max-width:100%}
button{padding:.2rem .7rem;border:1px solid #1565c0;background:#1565c0;color:#fff;border-radius:4px;cursor:pointer}
button.quiet{background:#fff;color:#1565c0}
form.inline{display:inline-flex;gap:.3rem;flex-wrap:wrap;margin:0}
form.inline input,form.inline select{max-width:10rem}
form.sign-in{background:#fff;border:1px solid #dde3e8;border-radius:6px;padding:1rem;max-width:26rem;display:flex;flex-direction:column;gap:.6rem}
.problem{color:#b71c1c;font-weight:600}
.why{color:#37474f}.muted{color:#78909c}.when{white-space:nowrap}
.pager{display:flex;gap:.8rem;align-items:center;margin:.3rem 0}
svg text{font:11px system-ui,sans-serif}
@media (max-width:700px){main{padding:.6rem}th,td{padding:.25rem .35rem;font-size:.85rem}.cards{grid-template-columns:repeat(2,1fr)}}
`;

/** The page frame: title, navigation for the viewer's role, sign-out, one style (inline: one request per page). */
export function page(title: string, body: string, options: PageOptions = {}): string {
  const nav = options.nav ?? {};
  const viewer = options.viewer ?? null;
  const links: Array<[string, string]> = [];
  if (viewer !== null) {
    if (viewer.role === 'csm' || viewer.role === 'manager') links.push(['My work', '/dashboard/me']);
    if (viewer.role === 'manager') links.push(['Team', '/dashboard/team'], ['Forecast', '/dashboard/forecast']);
    links.push(['Overview', href('/dashboard', nav)], ['Portfolio', href('/dashboard/portfolio', nav)], ['Tasks', href('/dashboard/tasks', nav)], ['Outbox', href('/dashboard/outbox', nav)]);
  }
  const who = viewer === null ? '' : `<span class="who"><span id="viewer">${esc(viewer.machine ? 'API token' : viewer.email)} · ${esc(viewer.role)}</span>${viewer.csrf === null ? '' : `<form class="inline" method="post" action="/sign-out">${csrfInput(viewer)}<button type="submit" id="sign-out">Sign out</button></form>`}</span>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Milepost</title>
<style>${STYLE}</style></head><body>
<header><strong>Milepost</strong>${links.map(([label, url]) => `<a href="${url}">${esc(label)}</a>`).join('')}${who}</header>
<main><h1>${esc(title)}</h1>
${body}
</main></body></html>`;
}

/** A coloured state badge. */
export function stateBadge(state: MilestoneState): string {
  const dark = state === 'pending' || state === 'skipped' || state === 'late';
  return `<span class="state" style="background:${STATE_COLOURS[state]};${dark ? 'color:#1c2833' : ''}">${esc(state)}</span>`;
}

/** The values a filter dropdown offers (store/filter-values.ts). */
export interface FilterChoices { playbooks: readonly string[]; csms: readonly string[] }

/** The filter form (playbook, CSM) that every overview page carries: dropdowns of the values the store holds. */
export function filterForm(action: string, filter: { playbook?: string | undefined; csm?: string | undefined }, choices: FilterChoices = { playbooks: [], csms: [] }): string {
  const select = (name: string, all: string, values: readonly string[], current: string | undefined) =>
    `<select name="${name}"><option value="">${all}</option>${[...new Set([...(current ? [current] : []), ...values])].map((v) => `<option${v === current ? ' selected' : ''}>${esc(v)}</option>`).join('')}</select>`;
  return `<form class="filters" method="get" action="${esc(action)}">
<label>Playbook ${select('playbook', 'all playbooks', choices.playbooks, filter.playbook)}</label>
<label>CSM ${select('csm', 'every CSM', choices.csms, filter.csm)}</label>
<button type="submit">Filter</button></form>`;
}

/** A page with one message (a refusal, a failed form). */
export function messagePage(title: string, message: string): string {
  return page(title, message.split('\n').filter((l) => l !== '').map((l) => `<p>${esc(l)}</p>`).join('\n'));
}
