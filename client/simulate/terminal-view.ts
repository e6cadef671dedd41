/**
 * The simulator's readable view: the milestones with their states, then a
 * timeline of what happened (milestones opening, completing, going overdue,
 * risks raised and cleared, every action fired), then the risks and, for a
 * version-2 playbook, the opportunities and the tasks.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import type { MilestoneState, Transition } from '../../workflows/engine/types.ts';
import { paint } from './colours.ts';
import type { Paint } from './colours.ts';
import type { Simulation } from './run-journey.ts';
import type { Timeline } from './timeline.ts';

const MARK: Record<MilestoneState, string> = {
  done: '✓', late: '✓', missed: '✗', overdue: '!', open: '○', pending: '·', skipped: '-',
};

function stateColour(p: Paint, state: MilestoneState): (s: string) => string {
  switch (state) {
    case 'done': return p.green;
    case 'late': case 'overdue': return p.yellow;
    case 'missed': return p.red;
    case 'open': return p.cyan;
    default: return p.dim;
  }
}

/** `2026-02-20T09:30:00.000Z` as `2026-02-20 09:30` (seconds when they matter). */
export function shortInstant(iso: string | null): string {
  if (iso === null) return '—';
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  if (time === '00:00:00') return date;
  return `${date} ${time.endsWith(':00') ? time.slice(0, 5) : time}`;
}

function describeTransition(t: Transition, p: Paint): string | null {
  switch (t.kind) {
    case 'milestone':
      if (t.to === 'open') return p.cyan(`${t.milestone} opens`);
      if (t.to === 'done') return p.green(`${t.milestone} done`);
      if (t.to === 'late') return p.yellow(`${t.milestone} completed late`);
      if (t.to === 'overdue') return p.yellow(`${t.milestone} overdue`);
      if (t.to === 'missed') return p.red(`${t.milestone} missed`);
      if (t.to === 'skipped') return p.dim(`${t.milestone} skipped (applies_when false)`);
      return null;
    case 'risk':
      return t.change === 'raised'
        ? p.red(`risk ${t.risk} raised${t.actionsFired ? '' : ' (actions held back: cooldown or before enrolment)'}`)
        : p.green(`risk ${t.risk} cleared`);
    case 'opportunity':
      return t.change === 'raised'
        ? p.green(`opportunity ${t.opportunity} raised${t.actionsFired ? '' : ' (actions held back: cooldown, when or before enrolment)'}`)
        : p.dim(`opportunity ${t.opportunity} cleared`);
    case 'task':
      return t.change === 'opened' ? null : p.dim(`task ${t.task} closed: ${t.reason}${t.by !== undefined ? ` by ${t.by}` : ''}`);
    case 'term':
      return p.bold(`term closes: ${t.outcome}`);
    default:
      return null;
  }
}

/** Renders a simulation for a terminal. */
export function renderJourney(ir: PlaybookIR, timeline: Timeline, sim: Pick<Simulation, 'report' | 'transitions'>, colour: boolean): string {
  const p = paint(colour);
  const r = sim.report;
  const lines: string[] = [];
  const name = timeline.customer.attrs['name'];
  lines.push(p.bold(`${ir.title} (${r.playbook})`));
  lines.push(`customer ${p.bold(r.customer)}${typeof name === 'string' ? ` (${name})` : ''}, term ${shortInstant(new Date(timeline.contract.start).toISOString())} → ${shortInstant(new Date(timeline.contract.end).toISOString())}`);
  lines.push(`as of ${shortInstant(r.until)}: outcome ${p.bold(r.outcome)}, ${r.actions.length} action(s), ${r.risks.length} risk raise(s)`);
  lines.push('', p.bold('Milestones'));
  const width = Math.max(8, ...r.milestones.map((m) => m.id.length));
  for (const m of r.milestones) {
    const c = stateColour(p, m.state);
    const when = m.completed_at !== null ? `completed ${shortInstant(m.completed_at)}` : m.state === 'skipped' ? '' : `due ${shortInstant(m.due_at)}`;
    lines.push(`  ${c(MARK[m.state])} ${m.id.padEnd(width)}  ${c(m.state.padEnd(7))}  opens ${shortInstant(m.opens_at).padEnd(16)} ${when}`);
  }
  // Timeline: transitions and actions, merged by instant (actions after the changes that caused them).
  type Row = { at: string; order: number; text: string };
  const rows: Row[] = [];
  let n = 0;
  for (const t of sim.transitions) {
    const text = describeTransition(t, p);
    const at = new Date(t.at).toISOString();
    if (text !== null && at <= r.until) rows.push({ at, order: n++, text });
  }
  for (const a of r.actions) {
    let text = `→ ${a.kind} ${a.to}`;
    if (a.title !== undefined) text += ` "${a.title}" (${a.priority}, due ${shortInstant(a.due_at ?? null)})`;
    if (a.template !== undefined) text += ` template ${a.template}`;
    if (a.subject !== undefined) text += ` "${a.subject}"`;
    if (a.message !== undefined) text += ` "${a.message}"`;
    if (a.catch_up === true) text += p.dim(' (catch-up)');
    rows.push({ at: a.at, order: n++, text: `${text} ${p.dim(`[${a.source}]`)}` });
  }
  rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  lines.push('', p.bold('Timeline'));
  let last = '';
  for (const row of rows) {
    const when = row.at === last ? '' : shortInstant(row.at);
    last = row.at;
    lines.push(`  ${p.dim(when.padEnd(16))}  ${row.text}`);
  }
  if (rows.length === 0) lines.push(p.dim('  (nothing happened)'));
  lines.push('', p.bold('Risks'));
  if (r.risks.length === 0) lines.push(p.dim('  none raised'));
  for (const risk of r.risks) {
    lines.push(`  ${p.red('▲')} ${risk.id}  raised ${shortInstant(risk.raised_at)}${risk.cleared_at !== null ? `, cleared ${shortInstant(risk.cleared_at)}` : p.yellow(', not cleared')}`);
  }
  if (r.opportunities !== undefined) {
    lines.push('', p.bold('Opportunities'));
    if (r.opportunities.length === 0) lines.push(p.dim('  none raised'));
    for (const o of r.opportunities) {
      lines.push(`  ${p.green('★')} ${o.id}  raised ${shortInstant(o.raised_at)}${o.cleared_at !== null ? `, cleared ${shortInstant(o.cleared_at)}` : p.green(', still raised')}`);
    }
  }
  if (r.tasks !== undefined) {
    const open = r.tasks.filter((t) => t.closed_at === null);
    const overdue = open.filter((t) => t.due_at <= r.until);
    lines.push('', p.bold(`Tasks (${r.tasks.length} opened, ${open.length} open, ${overdue.length} overdue)`));
    if (r.tasks.length === 0) lines.push(p.dim('  none opened'));
    for (const t of r.tasks) {
      const state = t.closed_at !== null ? p.dim(`closed ${shortInstant(t.closed_at)} (${t.closed_because})`)
        : t.due_at <= r.until ? p.yellow(`overdue since ${shortInstant(t.due_at)}`) : p.cyan(`open, due ${shortInstant(t.due_at)}`);
      lines.push(`  ${t.closed_at !== null ? '✓' : '○'} "${t.title}" → ${t.to} (${t.priority})  ${state}  ${p.dim(`[${t.id}]`)}`);
    }
  }
  if (r.next_term !== undefined && r.next_term !== null) {
    lines.push('', `${p.bold('Next term')}: ${r.next_term.playbook}, ${shortInstant(r.next_term.start)} → ${shortInstant(r.next_term.end)}`);
  }
  return `${lines.join('\n')}\n`;
}
