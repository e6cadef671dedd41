/**
 * `milepost graph <playbook.yaml> --mermaid [--start YYYY-MM-DD] [--end YYYY-MM-DD]`:
 * draws the playbook's timeline as a Mermaid Gantt chart: one section per
 * milestone (one bar per repeat instance, from `opens` to `due`) with its
 * ladder steps as milestone markers. Times are computed for a sample
 * contract (default: 2026-01-01 for one year) with the engine's calendar,
 * so the chart shows exactly the instants a journey would use.
 */
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import type { PlaybookIR } from '../../../dsl/index.ts';
import type { Action } from '../../../dsl/ir/schema.ts';
import { addDuration, formatDate, MAX_INSTANCES, parseInstant } from '../../../workflows/engine/index.ts';
import { milestoneInstants } from '../../../workflows/engine/milestone-instants.ts';
import { loadPlaybookIR } from '../../simulate/load-playbook.ts';
import { parseCommandLine } from '../arguments.ts';

/** Mermaid task names may not contain `:` `;` `#` (they start metadata, end statements, start entities). */
function label(text: string): string {
  return text.replace(/[:;#]/g, ' ').replace(/\s+/g, ' ').trim();
}

function describeAction(a: Action): string {
  switch (a.kind) {
    case 'remind': return `remind ${a.to}`;
    case 'open_task': return `task for ${a.assignee}`;
    case 'escalate': return `escalate to ${a.to}`;
    case 'webhook': return `webhook ${a.name}`;
  }
}

/**
 * The Mermaid Gantt source for `ir` over the contract `[start, end)` (epoch ms).
 * Skipped-at-start milestones (`applies_when`) are drawn: the chart shows the plan, not one customer.
 */
export function playbookGantt(ir: PlaybookIR, start: number, end: number): string {
  const lines = [
    'gantt',
    `  title ${label(ir.title)} (contract ${formatDate(start)} to ${formatDate(end)})`,
    '  dateFormat YYYY-MM-DD',
    '  axisFormat %Y-%m-%d',
    '  section Contract',
    `  Term :done, term, ${formatDate(start)}, ${formatDate(end)}`,
  ];
  let n = 0;
  for (const m of ir.milestones) {
    lines.push(`  section ${label(m.title)}${m.renewal ? ' (renewal)' : ''}`);
    // The same instants the engine lays out, in its order (`opens` may come from `due`).
    const first = milestoneInstants(m, { start, end });
    for (let k = 1; k <= MAX_INSTANCES; k++) {
      const shift = (t: number) => (m.repeat ? addDuration(t, m.repeat, k - 1) : t);
      const opensAt = shift(first.opens);
      if (m.repeat && opensAt >= end) break;
      const dueAt = shift(first.due);
      const id = m.repeat ? `${m.id}#${k}` : m.id;
      const crit = m.renewal ? 'crit, ' : '';
      // Each repeat instance is labelled with its own window (issue 15: every
      // instance said "(start to month 3)", the first one's); a single
      // milestone keeps the playbook's own words.
      const window = m.repeat ? `${formatDate(opensAt)} to ${formatDate(dueAt)}` : `${label(m.opens.source)} to ${label(m.due.source)}`;
      lines.push(`  ${label(id)} (${window}) :${crit}m${n++}, ${formatDate(opensAt)}, ${formatDate(Math.max(dueAt, opensAt))}`);
      m.steps.forEach((s, i) => {
        const at = shift(first.steps[i]!);
        // Nothing fires after the term closes (reference §9), so such steps are not drawn.
        if (at > end) return;
        lines.push(`  ${label(`${id} step ${i} ${s.at.source}, ${describeAction(s.action)}`)} :milestone, m${n++}, ${formatDate(at)}, 0d`);
      });
      if (!m.repeat) break;
    }
  }
  return `${lines.join('\n')}\n`;
}

const graph: Command = {
  summary: 'draw a playbook timeline as a Mermaid Gantt chart',
  usage: 'milepost graph <playbook.yaml> --mermaid [--start YYYY-MM-DD] [--end YYYY-MM-DD]',
  async run(argvIn, io) {
    const { values, positionals: argv } = parseCommandLine(argvIn, {
      start: { type: 'string', default: '2026-01-01' },
      end: { type: 'string' },
      mermaid: { type: 'boolean', default: true },
    });
    const startText = values.start;
    const endText = values.end;
    if (argv.length !== 1) throw new UsageError('name exactly one playbook file');
    const start = parseInstant(startText);
    if (start === null) throw new UsageError(`--start: not a date: ${startText}`);
    const end = endText === undefined ? addDuration(start, { amount: 1, unit: 'year' }) : parseInstant(endText);
    if (end === null || end <= start) throw new UsageError(`--end must be a date after --start`);
    const loaded = await loadPlaybookIR(argv[0]!, io, 'graph');
    if ('exit' in loaded) return loaded.exit;
    io.stdout.write(playbookGantt(loaded.ir, start, end));
    return 0;
  },
};

export default graph;
