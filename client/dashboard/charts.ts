/**
 * SVG charts for the dashboard, drawn on the server: no script, no library,
 * and they print. Each chart has a <title> per bar so hovering shows the
 * exact figure.
 */
import type { MilestoneState } from '../../workflows/engine/types.ts';
import { STATE_COLOURS, esc, pct } from './html.ts';

/** One stacked bar: a label and a count per state. */
export interface StackedRow {
  label: string;
  counts: Partial<Record<MilestoneState, number>>;
}

/**
 * Horizontal bars, one per row, each split into states in `order`, scaled to
 * the row's own total (shares, so rows of different sizes compare).
 */
export function stackedBars(id: string, rows: StackedRow[], order: MilestoneState[]): string {
  const labelWidth = 220, barWidth = 480, rowHeight = 22, top = 4;
  const height = top + rows.length * rowHeight + 4;
  const bars = rows.map((row, i) => {
    const total = order.reduce((sum, s) => sum + (row.counts[s] ?? 0), 0);
    const y = top + i * rowHeight;
    let x = labelWidth;
    const parts = total === 0 ? [] : order.flatMap((state) => {
      const n = row.counts[state] ?? 0;
      if (n === 0) return [];
      const w = (n / total) * barWidth;
      const rect = `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${STATE_COLOURS[state]}"><title>${esc(row.label)}: ${n} ${state} (${pct(n / total)})</title></rect>`;
      x += w;
      return [rect];
    });
    return `<text x="${labelWidth - 6}" y="${y + rowHeight - 10}" text-anchor="end" font-size="12">${esc(truncate(row.label, 34))}</text>${parts.join('')}<text x="${labelWidth + barWidth + 6}" y="${y + rowHeight - 10}" font-size="11" fill="#546e7a">${total}</text>`;
  });
  return `<svg id="${esc(id)}" role="img" aria-label="${esc(id)}" width="${labelWidth + barWidth + 50}" height="${height}" viewBox="0 0 ${labelWidth + barWidth + 50} ${height}" xmlns="http://www.w3.org/2000/svg">${bars.join('')}</svg>`;
}

/** Vertical bars of rates (0..1), e.g. on-time rate by cohort month. */
export function rateColumns(id: string, rows: Array<{ label: string; rate: number | null; n: number }>): string {
  const colWidth = 34, chartHeight = 120, bottom = 34, left = 30;
  const width = left + Math.max(rows.length, 1) * colWidth + 10;
  const height = chartHeight + bottom + 8;
  const axis = [0, 0.5, 1].map((v) => {
    const y = 8 + chartHeight * (1 - v);
    return `<line x1="${left}" x2="${width}" y1="${y}" y2="${y}" stroke="#dde3e8"/><text x="${left - 4}" y="${y + 4}" text-anchor="end" font-size="10">${v * 100}%</text>`;
  }).join('');
  const cols = rows.map((row, i) => {
    const x = left + i * colWidth + 6;
    const h = (row.rate ?? 0) * chartHeight;
    return `<rect x="${x}" y="${(8 + chartHeight - h).toFixed(1)}" width="${colWidth - 12}" height="${h.toFixed(1)}" fill="#2e7d32"><title>${esc(row.label)}: ${pct(row.rate)} of ${row.n}</title></rect>`
      + `<text x="${x + (colWidth - 12) / 2}" y="${8 + chartHeight + 14}" text-anchor="middle" font-size="10">${esc(row.label.slice(2))}</text>`;
  }).join('');
  return `<svg id="${esc(id)}" role="img" aria-label="${esc(id)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">${axis}${cols}</svg>`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A health sparkline: one polyline over the days given (0–100 on the y axis),
 * the last value as a dot, the exact series in the tooltip. Empty days are
 * skipped, not drawn as zero.
 */
export function sparkline(series: Array<{ day: string; health: number }>, days = 90, width = 120, height = 28): string {
  if (series.length === 0) return '<span class="muted">no history</span>';
  const first = Date.parse(series[0]!.day);
  const span = Math.max(1, days - 1);
  const x = (day: string) => Math.min(width, ((Date.parse(day) - first) / 86_400_000 / span) * width);
  const y = (h: number) => height - 2 - (Math.max(0, Math.min(100, h)) / 100) * (height - 4);
  const points = series.map((p) => `${x(p.day).toFixed(1)},${y(p.health).toFixed(1)}`).join(' ');
  const last = series.at(-1)!;
  const title = `health ${series[0]!.day} ${series[0]!.health.toFixed(0)} → ${last.day} ${last.health.toFixed(0)} (${series.length} days)`;
  return `<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`
    + `<line x1="0" x2="${width}" y1="${y(50).toFixed(1)}" y2="${y(50).toFixed(1)}" stroke="#dde3e8"/>`
    + `<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="${points}"/>`
    + `<circle cx="${x(last.day).toFixed(1)}" cy="${y(last.health).toFixed(1)}" r="2.5" fill="${last.health < 40 ? '#c62828' : last.health < 70 ? '#f9a825' : '#2e7d32'}"/></svg>`;
}

/** Vertical bars with a label under each and the value over it; `href` per bar makes it a drill-down link. */
export function columnBars(id: string, bars: Array<{ label: string; value: number; text?: string; href?: string; colour?: string }>, height = 140): string {
  const barWidth = 44, gap = 10, top = 16, bottom = 34;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const width = bars.length * (barWidth + gap) + gap;
  const body = bars.map((b, i) => {
    const h = (b.value / max) * (height - top - bottom);
    const x = gap + i * (barWidth + gap);
    const y = height - bottom - h;
    const rect = `<rect x="${x}" y="${y.toFixed(1)}" width="${barWidth}" height="${h.toFixed(1)}" fill="${b.colour ?? '#1565c0'}"><title>${esc(b.label)}: ${esc(b.text ?? String(b.value))}</title></rect>`
      + `<text x="${x + barWidth / 2}" y="${(y - 3).toFixed(1)}" text-anchor="middle">${esc(b.text ?? String(b.value))}</text>`
      + `<text x="${x + barWidth / 2}" y="${height - bottom + 14}" text-anchor="middle">${esc(b.label)}</text>`;
    return b.href === undefined ? rect : `<a href="${b.href}">${rect}</a>`;
  }).join('');
  return `<div class="box"><svg id="${esc(id)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${body}</svg></div>`;
}
