/**
 * The backtest summary for a terminal.
 */
import type { BacktestSummary } from './backtest.ts';
import { paint } from './colours.ts';

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(0)}%`);

/** Renders a backtest summary as aligned text. */
export function renderSummary(summary: BacktestSummary, colour: boolean): string {
  const p = paint(colour);
  const lines: string[] = [];
  lines.push(p.bold(`Backtest of ${summary.playbook}: ${summary.customers} customer(s)${summary.until === null ? '' : ` as of ${summary.until}`}`));
  if (summary.not_applicable.length > 0) lines.push(p.dim(`left out (applies_to false): ${summary.not_applicable.join(', ')}`));
  const o = summary.outcomes;
  lines.push(`outcomes: ${o.renewed} renewed, ${o.churned} churned, ${o.ended} ended, ${o.running} running`);
  // Rates side by side, then the counts (issue 15: a count sat between the
  // rate columns); every cell padded to its column's width before it is
  // coloured, so escape sequences never shift a column.
  const columns: Array<{ head: string; cell: (m: BacktestSummary['milestones'][number]) => string; colour?: (t: string) => string }> = [
    { head: 'on time', cell: (m) => pct(m.on_time_rate), colour: p.green },
    { head: 'late', cell: (m) => pct(m.late_rate), colour: p.yellow },
    { head: 'missed', cell: (m) => pct(m.missed_rate), colour: p.red },
    { head: 'done', cell: (m) => String(m.done) },
    { head: 'skipped', cell: (m) => String(m.skipped) },
    { head: 'unsettled', cell: (m) => String(m.unsettled) },
  ];
  const idWidth = Math.max(20, ...summary.milestones.map((m) => m.id.length));
  const widths = columns.map((c) => Math.max(c.head.length, ...summary.milestones.map((m) => c.cell(m).length)));
  lines.push('', p.bold(`${'Milestones'.padEnd(idWidth + 2)}${columns.map((c, i) => `  ${c.head.padStart(widths[i]!)}`).join('')}`));
  for (const m of summary.milestones) {
    const cells = columns.map((c, i) => {
      const text = c.cell(m).padStart(widths[i]!);
      return `  ${c.colour ? c.colour(text) : text}`;
    });
    lines.push(`  ${m.id.padEnd(idWidth)}${cells.join('')}`);
  }
  const w = summary.workload;
  lines.push('', p.bold(`Tasks and reminders per person per week: peak ${w.peak}, mean ${w.mean}`));
  for (const person of w.people.slice(0, 20)) {
    lines.push(`  ${person.person.padEnd(28)} ${person.roles.join(',').padEnd(12)} tasks ${String(person.tasks).padStart(4)}  reminders ${String(person.reminders).padStart(4)}  peak ${person.peak} (week of ${person.peak_week ?? '—'})  mean ${person.mean_per_week}`);
  }
  if (w.people.length > 20) lines.push(p.dim(`  ... ${w.people.length - 20} more`));
  lines.push('', p.bold('Risks raised'));
  for (const r of summary.risks) lines.push(`  ${r.id.padEnd(24)} ${String(r.raised).padStart(5)} raise(s), ${r.customers} customer(s)`);
  return `${lines.join('\n')}\n`;
}
