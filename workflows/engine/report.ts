/**
 * The simulation report (SPEC §12): the journey as of an instant, inclusive,
 * with SPEC's key order and ISO-8601 instants with milliseconds.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { formatInstant } from './instant.ts';
import { advanceJourney, outcomeOf } from './journey.ts';
import type { JourneyReport, JourneyState, MilestoneInstanceState, MilestoneState } from './types.ts';

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
 * The report of SPEC §12 as of `until` (epoch ms, inclusive). A state not yet
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
  return {
    playbook: ir.playbook,
    customer: s.customer.id,
    until: untilIso,
    outcome,
    milestones,
    actions,
    risks: raises.map((r) => r.entry),
  };
}
