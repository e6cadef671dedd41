/**
 * The backtest summary for a terminal.
 */
import type { BacktestSummary } from './backtest.ts';
import { paint } from './colours.ts';

const pct = (x: number | null): string => (x === null ? '   —' : `${(x * 100).toFixed(0).padStart(3)}%`);

/** Renders a backtest summary as aligned text. */
export function renderSummary(summary: BacktestSummary, colour: boolean): string {
  const p = paint(colour);
  const lines: string[] = [];
  lines.push(p.bold(`Backtest of ${summary.playbook}: ${summary.customers} customer(s)${summary.until === null ? '' : ` as of ${summary.until}`}`));
  if (summary.not_applicable.length > 0) lines.push(p.dim(`left out (applies_to false): ${summary.not_applicable.join(', ')}`));
  const o = summary.outcomes;
  lines.push(`outcomes: ${o.renewed} renewed, ${o.churned} churned, ${o.ended} ended, ${o.running} running`);
  lines.push('', p.bold(`${'Milestones'.padEnd(22)} on time  done   late  missed  skipped  unsettled`));
  for (const m of summary.milestones) {
    lines.push(`  ${m.id.padEnd(20)}    ${p.green(pct(m.on_time_rate))} ${String(m.done).padStart(5)}   ${p.yellow(pct(m.late_rate))}    ${p.red(pct(m.missed_rate))} ${String(m.skipped).padStart(8)} ${String(m.unsettled).padStart(10)}`);
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
