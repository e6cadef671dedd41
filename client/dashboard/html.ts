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


/** The page frame: title, navigation, filters and styles (inline: one request per page). */
export function page(title: string, body: string, nav: { playbook?: string | undefined; csm?: string | undefined } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Milepost</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1c2833;background:#fafafa}
header{background:#1c2833;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:baseline}
header a{color:#fff;text-decoration:none}header strong{font-size:1.1rem}
main{padding:1rem 1.2rem;max-width:1400px}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
table{border-collapse:collapse;margin:.4rem 0 1rem;background:#fff}
caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{border:1px solid #dde3e8;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f3f5;font-weight:600}td.num,th.num{text-align:right}
td.empty{color:#78909c;font-style:italic}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{background:#fff;border:1px solid #dde3e8;padding:.6rem .9rem;min-width:10rem}
.card .value{font-size:1.5rem;font-weight:600}.card .label{color:#546e7a}
.state{display:inline-block;padding:0 .35rem;border-radius:3px;color:#fff;font-size:.8rem}
.grid td.cell{width:1.6rem;height:1.1rem;padding:0}
.legend span{margin-right:.6rem}
a.csv{font-weight:400;font-size:.85rem;margin-left:.5rem}
form.filters{margin:.2rem 0 1rem}form.filters input{width:12rem}
.why{color:#37474f}.muted{color:#78909c}
</style></head><body>
<header><strong>Milepost</strong><a href="${href('/dashboard', nav)}">Overview</a><a href="${href('/dashboard/portfolio', nav)}">Portfolio</a><a href="${href('/dashboard/tasks', nav)}">Tasks</a><a href="${href('/dashboard/outbox', nav)}">Outbox</a></header>
<main><h1>${esc(title)}</h1>
${body}
</main></body></html>`;
}

/** A coloured state badge. */
export function stateBadge(state: MilestoneState): string {
  const dark = state === 'pending' || state === 'skipped' || state === 'late';
  return `<span class="state" style="background:${STATE_COLOURS[state]};${dark ? 'color:#1c2833' : ''}">${esc(state)}</span>`;
}

/** The filter form (playbook, CSM) that every overview page carries. */
export function filterForm(action: string, filter: { playbook?: string | undefined; csm?: string | undefined }): string {
  return `<form class="filters" method="get" action="${esc(action)}">
<label>Playbook <input name="playbook" value="${esc(filter.playbook)}"></label>
<label>CSM <input name="csm" value="${esc(filter.csm)}"></label>
<button type="submit">Filter</button></form>`;
}
