/**
 * Issue 11: emails per customer-year, before and after tasks auto-close.
 *
 * Pure: the engine alone, no servers. The same book of generated clinic years
 * as bench/engine.ts (bench/clinic-timeline.ts) runs through each playbook
 * twice:
 * - "after": the IR as compiled (language 2: a task opened by a milestone's
 *   step closes when the milestone instance completes or is missed, one opened
 *   by a risk or opportunity when it clears; `auto_close: false` keeps it open);
 * - "before": the same IR with every `open_task` action's `autoClose` set to
 *   false, the way tasks were before auto-close: open until a person closes
 *   them or the term ends, so their `overdue:` actions fire at `due_at`.
 * Nobody closes a task by hand in either run (the timelines carry no task
 * closes), so both are what the playbook alone sends.
 *
 * An email is a fired `escalate` (always email, activities/index.ts) or a
 * `remind` on the email channel (the default); `open_task` and `webhook` send
 * none. "Open at year end" counts the tasks the term closed (`term_closed`).
 *
 *   node bench/auto-close-emails.ts [customers=1000] [--no-write]
 *
 * Rewrites the "Issue 11: emails per customer-year, before and after
 * auto-close" part of the "Playbooks" section of docs/benchmarks.md.
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { compilePlaybook } from '../dsl/index.ts';
import type { PlaybookIR } from '../dsl/ir/schema.ts';
import { templatesBeside } from '../client/files/template-files.ts';
import { advanceJourney, receiveEvents, startJourney } from '../workflows/engine/index.ts';
import type { FiredAction, JourneyEvent, TaskCloseReason } from '../workflows/engine/types.ts';
import { clinicAttrs, clinicTimeline, withLogins } from './clinic-timeline.ts';
import { writeBenchPart } from './bench-doc.ts';

/** Every `open_task` action of the IR, wherever it is (steps, on_done, risks, opportunities, triggers, overdue actions). */
function openTaskActions(ir: PlaybookIR): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) visit(item);
    else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record['kind'] === 'open_task') found.push(record);
      for (const value of Object.values(record)) visit(value);
    }
  };
  visit([ir.milestones, ir.risks, ir.opportunities, ir.triggers]);
  return found;
}

/** A copy of `ir` in which no task auto-closes: every `open_task` action (overdue ones included) has `autoClose: false`. */
export function withoutAutoClose(ir: PlaybookIR): PlaybookIR {
  const copy = structuredClone(ir);
  for (const action of openTaskActions(copy)) action['autoClose'] = false;
  return copy;
}

/** Does this fired action send an email? */
export const sendsEmail = (a: FiredAction): boolean => a.kind === 'escalate' || (a.kind === 'remind' && a.channel === 'email');

interface Tally {
  emails: number;
  overdueEmails: number;
  /** of the overdue emails, those of tasks opened by triggers (which never auto-close) */
  triggerOverdueEmails: number;
  tasksOpened: number;
  openAtYearEnd: number;
  closed: Partial<Record<TaskCloseReason, number>>;
}

/** Simulates one contract year for every customer of `book`; totals over the book. */
function simulateBook(ir: PlaybookIR, book: readonly JourneyEvent[][], start: number, end: number): Tally {
  const tally: Tally = { emails: 0, overdueEmails: 0, triggerOverdueEmails: 0, tasksOpened: 0, openAtYearEnd: 0, closed: {} };
  book.forEach((events, i) => {
    const s0 = startJourney(ir, { customer: { id: `c${i}`, attrs: clinicAttrs(i) }, contract: { start, end }, enrolledAt: start });
    const { state, fired } = advanceJourney(ir, receiveEvents(ir, s0, events), end);
    for (const a of fired) {
      if (!sendsEmail(a)) continue;
      tally.emails++;
      if (!a.source.includes('/overdue/')) continue;
      tally.overdueEmails++;
      if (a.source.startsWith('trigger/')) tally.triggerOverdueEmails++;
    }
    for (const task of state.tasks ?? []) {
      tally.tasksOpened++;
      if (task.closedBecause === null || task.closedBecause === 'term_closed') tally.openAtYearEnd++;
      if (task.closedBecause !== null) tally.closed[task.closedBecause] = (tally.closed[task.closedBecause] ?? 0) + 1;
    }
  });
  return tally;
}

function compileFile(file: string): PlaybookIR {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
  const { ir, diagnostics } = compilePlaybook(readFileSync(path, 'utf8'), file, { templates: templatesBeside(path) });
  if (ir === undefined) throw new Error(`${file} does not compile: ${diagnostics.map((d) => d.message).join('; ')}`);
  return ir;
}

/** How many `open_task` actions of the IR carry `overdue:` actions. */
const overdueLadders = (ir: PlaybookIR): number => openTaskActions(ir).filter((a) => Array.isArray(a['overdue']) && a['overdue'].length > 0).length;

if (import.meta.main) {
  const args = process.argv.slice(2);
  const noWrite = args.includes('--no-write');
  const customers = Number(args.find((a) => !a.startsWith('--')) ?? 1000);
  const start = Date.UTC(2026, 0, 31);
  const end = Date.UTC(2027, 0, 31);
  const firstYear = Array.from({ length: customers }, (_, i) => clinicTimeline(i + 1, start, 1));
  const secondYear = firstYear.map((events, i) => withLogins(i + 1, start, events));
  const perYear = (book: JourneyEvent[][]) => (book.reduce((n, e) => n + e.length, 0) / customers).toFixed(0);

  const rows: string[] = [];
  const notes: string[] = [];
  for (const [file, book] of [['playbooks/clinic-first-year.yaml', firstYear], ['playbooks/clinic-second-year.yaml', secondYear]] as const) {
    const ir = compileFile(file);
    const after = simulateBook(ir, book, start, end);
    const before = simulateBook(withoutAutoClose(ir), book, start, end);
    // The transform did what it says: with no auto-close, no task closed for a milestone or a risk.
    const auto = (t: Tally) => (t.closed.milestone_completed ?? 0) + (t.closed.milestone_missed ?? 0) + (t.closed.risk_cleared ?? 0);
    if (auto(before) !== 0) throw new Error(`${file}: ${auto(before)} tasks auto-closed with autoClose false everywhere`);
    const per = (x: number) => (x / customers).toFixed(2);
    const name = file.replace('playbooks/', '');
    const ladders = overdueLadders(ir);
    for (const [label, t] of [['before (no auto-close)', before], ['after (auto-close, as compiled)', after]] as const) {
      rows.push(`| ${name} (${ladders} \`overdue:\` ladders, ${perYear(book)} events a year) | ${label} | ${per(t.emails)} | ${per(t.overdueEmails)} | ${per(t.triggerOverdueEmails)} | ${per(t.tasksOpened)} | ${per(t.openAtYearEnd)} | ${per(auto(t))} |`);
    }
    const saved = before.emails - after.emails;
    const savedOverdue = before.overdueEmails - after.overdueEmails;
    // The difference of the two figures as shown, so the sentence adds up.
    const fewer = (Number(per(before.emails)) - Number(per(after.emails))).toFixed(2);
    notes.push(ladders === 0
      ? `- ${name} has no \`overdue:\` actions, so auto-close cannot change its emails: ${per(before.emails)} a customer-year before and ${per(after.emails)} after (nothing it sends depends on whether a task is open). What auto-close changes there is the task list: ${per(before.openAtYearEnd)} tasks a customer still open when the year ended before, ${per(after.openAtYearEnd)} after.`
      : `- ${name}: ${fewer} fewer emails per customer-year (${per(before.emails)} → ${per(after.emails)}, ${(100 * saved / before.emails).toFixed(1)} %), ${savedOverdue === saved ? 'all of them' : `${per(savedOverdue)} of them`} \`overdue:\` escalations of tasks whose milestone instance or risk had settled before the task's due date. `
        + `Of its ${per(after.overdueEmails)} overdue emails a customer-year after, ${per(after.triggerOverdueEmails)} are the complaint trigger's: a trigger's task closes only by a person or the term, so auto-close leaves those alone. `
        + `Tasks still open when the year ended: ${per(before.openAtYearEnd)} → ${per(after.openAtYearEnd)} a customer.`);
  }

  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const text = `
\`node bench/auto-close-emails.ts ${customers}\` on ${cpu} (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}), Node ${process.versions.node}; pure engine, no servers.
The book of bench/engine.ts (bench/clinic-timeline.ts): ${customers} clinics, one contract year each, about 100 events a year
(usage, tickets, calls and meetings, complaints, a campaign, a renewal signature for most); for clinic-second-year each
usage event also logs its active users in (licences: 4 to 12 seats). Each playbook runs twice on the same book: "after" is the
IR as compiled (language 2: tasks close with their milestone instance or risk); "before" is the same IR with \`autoClose: false\`
on every \`open_task\` (tasks open until a person or the term closes them, so their \`overdue:\` actions fire). Nobody closes a
task by hand in either run. Emails: fired \`escalate\` actions and \`remind\` actions on the email channel.

| playbook | run | emails per customer-year | of which \`overdue:\` | of those, triggers' tasks | tasks opened | still open at year end | auto-closed |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

${notes.join('\n')}

Read with care: people close tasks in real life, which this book does not model, so "before" is the most a playbook
sends when nobody closes anything (a team that closes every task within its \`due_in\` would see no overdue email in either);
the difference is what a person no longer has to close by hand to stop an escalation. The book is the engine benchmark's
first-year one (with logins added), not a second year's real data: with a login on most usage days, few adoption and review
tasks open at all, so the milestones' ladders rarely get the chance to fire in either run.
`;
  process.stdout.write(text);
  if (!noWrite) writeBenchPart('Issue 11: emails per customer-year, before and after auto-close', text, 'Playbooks');
}
