/**
 * The simulation report (reference §12): the journey as of an instant, inclusive,
 * with SPEC's key order and ISO-8601 instants with milliseconds.
 */
import type { PlaybookIR, Risk } from '../../dsl/ir/schema.ts';
import { addDuration } from './calendar.ts';
import { formatInstant } from './instant.ts';
import { isV2 } from './language.ts';
import { advanceJourney, outcomeOf } from './journey.ts';
import type { JourneyReport, JourneyState, MilestoneInstanceState, MilestoneState, RiskState } from './types.ts';

/** A milestone instance's state as of `until` (its recorded instants make earlier states exact). */
export function milestoneStateAt(inst: MilestoneInstanceState, until: number): MilestoneState {
  if (inst.state === 'skipped') return inst.closedAt !== null && inst.closedAt <= until ? 'skipped' : 'pending';
  if (inst.completedAt !== null && inst.completedAt <= until) return inst.completedAt <= inst.dueAt ? 'done' : 'late';
  if (inst.state === 'missed' && inst.closedAt !== null && inst.closedAt <= until) return 'missed';
  if (inst.overdueAt !== null && inst.overdueAt <= until) return 'overdue';
  if (inst.openedAt !== null && inst.openedAt <= until) return 'open';
  return 'pending';
}

/**
 * The report of reference §12 as of `until` (epoch ms, inclusive). A state not yet
 * advanced that far is advanced first (on a copy), so the report is always
 * the journey as of `until`; a state advanced further is read back to `until`
 * from its recorded instants.
 */
export function journeyReport(ir: PlaybookIR, state: JourneyState, until: number): JourneyReport {
  const s = !state.closed && (state.clock === null || until > state.clock) ? advanceJourney(ir, state, until).state : state;
  const untilIso = formatInstant(until);
  const milestones = s.milestones.map((inst) => {
    const st = milestoneStateAt(inst, until);
    return {
      id: inst.id,
      state: st,
      opens_at: st === 'skipped' ? null : formatInstant(inst.opensAt),
      due_at: st === 'skipped' ? null : formatInstant(inst.dueAt),
      completed_at: inst.completedAt !== null && inst.completedAt <= until ? formatInstant(inst.completedAt) : null,
    };
  });
  // ISO strings of one format order like their instants.
  const actions = s.actions.filter((a) => a.at <= untilIso);
  const raises: Array<{ at: number; ri: number; n: number; entry: JourneyReport['risks'][number] }> = [];
  ir.risks.forEach((risk, ri) => {
    (s.risks[ri]?.raises ?? []).forEach(([raised, cleared], n) => {
      if (raised > until) return;
      raises.push({
        at: raised,
        ri,
        n,
        entry: { id: risk.id, raised_at: formatInstant(raised), cleared_at: cleared !== null && cleared <= until ? formatInstant(cleared) : null },
      });
    });
  });
  raises.sort((a, b) => a.at - b.at || a.ri - b.ri || a.n - b.n);
  const outcome = s.closed && until >= s.contract.end ? outcomeOf(ir, s) : 'running';
  const report: JourneyReport = {
    playbook: ir.playbook,
    customer: s.customer.id,
    until: untilIso,
    outcome,
    milestones,
    actions,
    risks: raises.map((r) => r.entry),
  };
  if (!isV2(ir)) return report;
  // (v2) reference §12: tasks, opportunities, next_term, in that order after risks.
  report.tasks = (s.tasks ?? []).filter((t) => t.openedAt <= until).map((t) => {
    const closed = t.closedAt !== null && t.closedAt <= until;
    return {
      id: t.id, source: t.source, title: t.title, to: t.to, priority: t.priority,
      opened_at: formatInstant(t.openedAt), due_at: formatInstant(t.dueAt),
      closed_at: closed ? formatInstant(t.closedAt!) : null, closed_because: closed ? t.closedBecause : null,
    };
  });
  report.opportunities = signalEntries(ir.opportunities ?? [], s.opportunities ?? [], until);
  report.next_term = outcome === 'renewed' ? nextTerm(ir, s) : null;
  return report;
}

/** One entry per raise, in order of raising (then declaration, then raise). */
function signalEntries(signals: Risk[], states: RiskState[], until: number): Array<{ id: string; raised_at: string; cleared_at: string | null }> {
  const raises: Array<{ at: number; ri: number; n: number; entry: { id: string; raised_at: string; cleared_at: string | null } }> = [];
  signals.forEach((signal, ri) => {
    (states[ri]?.raises ?? []).forEach(([raised, cleared], n) => {
      if (raised > until) return;
      raises.push({ at: raised, ri, n, entry: { id: signal.id, raised_at: formatInstant(raised), cleared_at: cleared !== null && cleared <= until ? formatInstant(cleared) : null } });
    });
  });
  raises.sort((a, b) => a.at - b.at || a.ri - b.ri || a.n - b.n);
  return raises.map((r) => r.entry);
}

/**
 * (v2) reference §9: the term a renewed term starts, when the playbook has
 * `renewal_term`: its playbook (default this one), start = this term's end,
 * end = start + length. Null without `renewal_term`.
 */
export function nextTerm(ir: PlaybookIR, s: JourneyState): { playbook: string; start: string; end: string } | null {
  const term = ir.renewalTerm;
  if (term === undefined || term === null) return null;
  const start = s.contract.end;
  return { playbook: term.playbook ?? ir.playbook, start: formatInstant(start), end: formatInstant(addDuration(start, term.length)) };
}
