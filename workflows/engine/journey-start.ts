/**
 * A journey's start (reference §10 before its first instant): every milestone
 * instance laid out with its instants, nothing seen or processed; and whether a
 * playbook's `applies_to` admits a customer at all.
 */
import type { Action, PlaybookIR } from '../../dsl/ir/schema.ts';
import { addDuration, evalTime } from './calendar.ts';
import type { CompiledPlaybook } from './compiled-playbook.ts';
import { compiled, newContext } from './evaluator.ts';
import { walkExpr } from './expression-reads.ts';
import { isV2 } from './language.ts';
import { milestoneInstants } from './milestone-instants.ts';
import type { Contract, JourneyCustomer, JourneyState, MilestoneInstanceState } from './types.ts';

/** A repeating milestone never has more instances than this (a guard against `every 1 hour` over decades). */
export const MAX_INSTANCES = 5000;

/** What {@link startJourney} needs. */
export interface JourneyStartInput {
  customer: JourneyCustomer;
  contract: Contract;
  /** Enrolment instant (epoch ms); no action before it fires (reference §10). */
  enrolledAt: number;
}

/**
 * A fresh journey: every milestone instance laid out with its instants, no
 * event seen, nothing processed.
 */
export function startJourney(ir: PlaybookIR, input: JourneyStartInput): JourneyState {
  const { customer, contract, enrolledAt } = input;
  const pb = compiled(ir);
  const v2 = isV2(ir);
  const milestones: MilestoneInstanceState[] = [];
  ir.milestones.forEach((m, mi) => {
    const { opens: opens1, due: due1, steps: steps1, closes: closes1 } = milestoneInstants(m, contract);
    const perInstance = perInstanceQueries(ir, pb, mi);
    const repeat = m.repeat !== null && m.repeat.amount > 0 ? m.repeat : null;
    for (let k = 1; k <= MAX_INSTANCES; k++) {
      const shift = (t: number) => (repeat === null ? t : addDuration(t, repeat, k - 1));
      const opensAt = shift(opens1);
      if (repeat !== null && opensAt >= contract.end) break;
      const dueAt = shift(due1);
      const inst: MilestoneInstanceState = {
        id: repeat === null ? m.id : `${m.id}#${k}`,
        m: mi,
        k,
        opensAt,
        dueAt,
        steps: steps1.map(shift),
        state: 'pending',
        openedAt: null,
        completedAt: null,
        overdueAt: null,
        closedAt: null,
        wake: null,
        aggs: null,
        since: null,
      };
      if (v2) {
        // reference §5/§5.1: its own (shifted) closes, else a repeating instance closes at the next one's opens;
        // at or after contract.end the term closes it (nothing to note).
        const closes = closes1 !== null ? shift(closes1) : repeat !== null ? addDuration(opens1, repeat, k) : null;
        if (closes !== null && closes < contract.end) inst.closesAt = closes;
      }
      if (perInstance.length > 0) {
        inst.aggs = {};
        inst.since = {};
        for (const qi of perInstance) {
          const since = pb.queries[qi]!.since!;
          inst.since[qi] = evalTime(since, { start: contract.start, end: contract.end, opens: opensAt, due: dueAt }) ?? opensAt;
        }
      }
      milestones.push(inst);
      if (repeat === null) break;
    }
  });
  return {
    v: 1,
    playbook: ir.playbook,
    sourceHash: ir.sourceHash,
    customer,
    contract,
    enrolledAt,
    clock: null,
    lastInstant: null,
    closed: false,
    seq: 0,
    pending: [],
    buffers: {},
    bufferBase: {},
    windows: {},
    aggs: {},
    milestones,
    risks: ir.risks.map(() => ({ on: false, wake: null, lastFired: null, raises: [] })),
    judged: false,
    actions: [],
    seen: 0,
    ...(v2 ? v2State(ir, contract, enrolledAt) : {}),
  };
}

/** (v2) The parts of a fresh state that only version 2 has. */
function v2State(ir: PlaybookIR, contract: Contract, enrolledAt: number): Partial<JourneyState> {
  const out: Partial<JourneyState> = {
    tasks: [],
    openTasks: [],
    opportunities: (ir.opportunities ?? []).map(() => ({ on: false, wake: null, lastFired: null, raises: [] })),
  };
  // reference §10: an enrolment after contract.start is an instant of its own (catch-up runs at it).
  if (enrolledAt > contract.start && enrolledAt <= contract.end) out.catchUpAt = enrolledAt;
  return out;
}

/** The per-instance queries (`since opens`/`since due`) a milestone's rules use. */
function perInstanceQueries(ir: PlaybookIR, pb: CompiledPlaybook, mi: number): number[] {
  const out: number[] = [];
  const m = ir.milestones[mi]!;
  const visit = (e: Parameters<typeof walkExpr>[0]) => walkExpr(e, (n) => {
    if (n.k === 'query' && pb.queries[n.query]?.perInstance && !out.includes(n.query)) out.push(n.query);
  });
  visit(m.doneWhen.expr);
  if (m.appliesWhen !== null) visit(m.appliesWhen.expr);
  // (v2) the `when` of its actions (steps, on_done, and their tasks' overdue actions) may read `since opens` too
  const visitAction = (a: Action): void => {
    if (a.when !== undefined && a.when !== null) visit(a.when.expr);
    if (a.kind === 'open_task') for (const o of a.overdue ?? []) visitAction(o);
  };
  for (const step of m.steps) visitAction(step.action);
  for (const a of m.onDone) visitAction(a);
  // Queries used inside `where` of per-instance queries cannot nest (where reads fields only).
  return out;
}

/**
 * Does the playbook's `applies_to` hold for this customer (judged at
 * contract.start, with no events)? `true` when the playbook has none.
 */
export function appliesTo(ir: PlaybookIR, customer: JourneyCustomer, contract: Contract): boolean {
  const pb = compiled(ir);
  if (pb.appliesTo === null) return true;
  const s = startJourney(ir, { customer, contract, enrolledAt: contract.start });
  return pb.appliesTo(newContext(s, contract.start)) === true;
}
