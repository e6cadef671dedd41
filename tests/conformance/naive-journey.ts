/**
 * The part of the naive SPEC models (naive-*.ts) that every playbook family
 * shares: one instant in reference §10 order over milestone instances and risks,
 * and the report of reference §12. Each model supplies its conditions and actions.
 */

/** ISO-8601 with milliseconds (reference §3). */
export const iso = (t: number): string => new Date(t).toISOString();

/** A milestone instance as the naive models track it. */
export interface NaiveInstance {
  id: string;
  opens: number;
  due: number;
  state: string;
  completed: number | null;
}

/** A risk: its condition, and what its raise fires (the model applies cooldown and enrolment itself). */
export interface NaiveRisk {
  id: string;
  when: (t: number) => boolean;
  onRaise: (t: number) => void;
}

/** What a model supplies for one instant, beyond its milestones and risks. */
export interface NaiveHooks<I extends NaiveInstance> {
  done: (inst: I, t: number) => boolean;
  /** §10 step 3: the completion's on_done */
  onDone?: (inst: I, t: number) => void;
  /** §10 step 5: the instance's steps at t (called for open or overdue instances only) */
  steps?: (inst: I, t: number) => void;
}

/** A naive journey: milestone instances and risks, advanced one instant at a time. */
export class NaiveJourney<I extends NaiveInstance> {
  readonly raises: Array<{ id: string; raised_at: string; cleared_at: string | null }> = [];
  private readonly on: boolean[];
  private readonly open: Array<number | null>;

  readonly insts: I[];
  private readonly risks: NaiveRisk[];
  private readonly end: number;
  private readonly hooks: NaiveHooks<I>;

  constructor(insts: I[], risks: NaiveRisk[], end: number, hooks: NaiveHooks<I>) {
    this.insts = insts;
    this.risks = risks;
    this.end = end;
    this.hooks = hooks;
    this.on = risks.map(() => false);
    this.open = risks.map(() => null);
  }

  /** reference §10 steps 2–7 at instant t (step 1, the triggers, is the model's). */
  instant(t: number): void {
    for (const inst of this.insts) if (inst.state === 'pending' && inst.opens <= t) inst.state = 'open';
    for (const inst of this.insts) {
      if ((inst.state === 'open' || inst.state === 'overdue') && this.hooks.done(inst, t)) {
        inst.state = t <= inst.due ? 'done' : 'late';
        inst.completed = t;
        this.hooks.onDone?.(inst, t);
      }
    }
    for (const inst of this.insts) if (inst.state === 'open' && inst.due <= t) inst.state = 'overdue';
    for (const inst of this.insts) if (inst.state === 'open' || inst.state === 'overdue') this.hooks.steps?.(inst, t);
    this.risks.forEach((risk, ri) => {
      const v = risk.when(t);
      if (v === this.on[ri]) return;
      this.on[ri] = v;
      if (!v) {
        this.raises[this.open[ri]!]!.cleared_at = iso(t);
        this.open[ri] = null;
        return;
      }
      this.open[ri] = this.raises.length;
      this.raises.push({ id: risk.id, raised_at: iso(t), cleared_at: null });
      risk.onRaise(t);
    });
    if (t === this.end) for (const inst of this.insts) if (['pending', 'open', 'overdue'].includes(inst.state)) inst.state = 'missed';
  }

  /** The reference §12 report. */
  report(playbook: string, until: number, outcome: string, actions: Array<Record<string, unknown>>): unknown {
    return {
      playbook,
      customer: 'c1',
      until: iso(until),
      outcome,
      milestones: this.insts.map((i) => ({ id: i.id, state: i.state, opens_at: iso(i.opens), due_at: iso(i.due), completed_at: i.completed === null ? null : iso(i.completed) })),
      actions,
      risks: this.raises,
    };
  }
}
