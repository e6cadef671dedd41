/**
 * What one `advanceJourney` call works with across its instants (a {@link Run}):
 * the working state, the evaluation contexts, what changed at the current
 * instant, what the milestones are known to wait for, and the playbook's
 * action sources; and the result an advance returns ({@link Advance}).
 */
import type { PlaybookIR, Risk } from '../../dsl/ir/schema.ts';
import { evalTime } from './calendar.ts';
import type { CompiledPlaybook, EvalContext } from './compiled-playbook.ts';
import { newContext } from './evaluator.ts';
import { isV2 } from './language.ts';
import { typeSet } from './type-set.ts';
import type { TypeSet } from './type-set.ts';
import type { Contract, FiredAction, JourneyState, MilestoneInstanceState, Transition, Value } from './types.ts';
import { typeSlots } from './window.ts';

/** What `advanceJourney` (journey.ts) returns. */
export interface Advance {
  state: JourneyState;
  /** actions fired, in firing order (none before enrolment) */
  fired: FiredAction[];
  /** milestone, risk and term changes, in order, for the ledger */
  transitions: Transition[];
}

/** What one `advanceJourney` call works with, reused across its instants. */
export interface Run {
  ir: PlaybookIR;
  pb: CompiledPlaybook;
  s: JourneyState;
  out: Advance;
  /** one evaluation context, reset for each instant */
  c: EvalContext;
  /** the look-ahead context (see `evaluateUntilFlip`) */
  probe: EvalContext;
  t: number;
  /** `s.pending[0 .. pendingFrom)` are taken (visible); dropped at the end of the advance */
  pendingFrom: number;
  /** the event types an event of which became visible at this instant */
  dirty: TypeSet;
  /**
   * Before this instant, steps 2-5 of reference §10 change nothing unless an event
   * that an open or overdue milestone's done_when reads (`openReads`) or a manual completion
   * arrives; -Infinity: not known (set by `nextInstantFrom`).
   */
  milestonesIdleUntil: number;
  openReads: TypeSet;
  /**
   * The milestones' part of `nextInstantFrom` (their next own instant), kept
   * while `milestonesKnown`: until steps 2-5 run (or the term closes), no
   * milestone changes, and every instant it counts lies after the clock.
   */
  milestoneNext: number;
  milestonesKnown: boolean;
  /** the sources of the actions fired at this instant (created on the first firing) */
  keys: string[] | null;
  /** `String(t)` and `formatInstant(t)` of this instant, once an action needs them */
  tText: string | null;
  tIso: string;
  /** the playbook's action sources */
  sources: Sources;
  /** `{{health}}` at the current instant */
  health: () => Value;
  /** does the IR follow language version 2 */
  v2: boolean;
  /** risks, then (v2) opportunities, as the compiled playbook indexes them */
  signals: Risk[];
  /** (v2) each signal's `from` instant (the grace period's end; contract.start by default) */
  fromAt: number[];
}

/** A run over working state `s` (a copy the advance may change), returning into `out`. */
export function newRun(ir: PlaybookIR, pb: CompiledPlaybook, s: JourneyState, out: Advance): Run {
  const c = newContext(s, -Infinity);
  c.components = [];
  c.changedAt = pb.typeList.map(() => -Infinity);
  c.slots = typeSlots(pb, s);
  const probe = newContext(s, -Infinity);
  probe.slots = c.slots;
  return {
    ir, pb, s, out, c, probe, t: -Infinity, keys: null, tText: null, tIso: '', sources: sourcesOf(ir), pendingFrom: 0, dirty: typeSet(pb.typeList.length), milestonesIdleUntil: -Infinity, openReads: typeSet(pb.typeList.length), milestoneNext: Infinity, milestonesKnown: false,
    v2: isV2(ir), signals: signalsOf(ir), fromAt: fromInstants(ir, s.contract),
    health: () => {
      const saved = c.inst;
      c.inst = null;
      const h = pb.healthScores.length === 0 ? null : pb.health(c).value;
      c.inst = saved;
      return h;
    },
  };
}

/** Risks, then opportunities: one list, opportunity `j` at `risks.length + j` (as `CompiledPlaybook.riskWhen`). */
function signalsOf(ir: PlaybookIR): Risk[] {
  return !isV2(ir) || ir.opportunities === undefined || ir.opportunities.length === 0 ? ir.risks : [...ir.risks, ...ir.opportunities];
}

/** (v2) Each signal's `from` (reference §6: before it, `when` counts as false). */
function fromInstants(ir: PlaybookIR, contract: Contract): number[] {
  if (!isV2(ir)) return [];
  return signalsOf(ir).map((r) => (r.from === undefined || r.from === null ? contract.start
    : evalTime(r.from, { start: contract.start, end: contract.end, opens: null, due: null }) ?? contract.start));
}

/** The `source` of every action a playbook can fire, made once per playbook (and milestone instance). */
interface Sources {
  /** by trigger, by action */
  triggers: string[][];
  /** by risk, then (v2) by opportunity, by action */
  risks: string[][];
  /** by milestone instance id: its `on_done` and step sources */
  instances: Map<string, { onDone: string[]; steps: string[] }>;
}

const sourceCache = new WeakMap<PlaybookIR, Sources>();

function sourcesOf(ir: PlaybookIR): Sources {
  let sources = sourceCache.get(ir);
  if (sources === undefined) {
    sources = {
      triggers: ir.triggers.map((trigger) => trigger.actions.map((_, i) => `trigger/${trigger.id}/${i}`)),
      risks: [
        ...ir.risks.map((risk) => risk.actions.map((_, i) => `risk/${risk.id}/${i}`)),
        ...(ir.opportunities ?? []).map((o) => o.actions.map((_, i) => `opportunity/${o.id}/${i}`)),
      ],
      instances: new Map(),
    };
    sourceCache.set(ir, sources);
  }
  return sources;
}

export function instanceSources(run: Run, inst: MilestoneInstanceState): { onDone: string[]; steps: string[] } {
  let out = run.sources.instances.get(inst.id);
  if (out === undefined) {
    const m = run.ir.milestones[inst.m]!;
    out = {
      onDone: m.onDone.map((_, i) => `milestone/${inst.id}/on_done/${i}`),
      steps: m.steps.map((_, i) => `milestone/${inst.id}/step/${i}`),
    };
    run.sources.instances.set(inst.id, out);
  }
  return out;
}

export function transition(out: Advance, t: Transition): void {
  out.transitions.push(t);
}
