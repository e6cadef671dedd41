/**
 * Steps 2-6 of reference §10 at one instant: milestones are judged
 * (`applies_when`, at contract.start), open, complete (by `done_when`, re-evaluated
 * only when an event type it reads arrived, at its wake, or when it opens; or by
 * hand), become overdue, (v2) close missed; their steps fire.
 */
import type { ManualCompletionInput } from './types.ts';
import { closeOwned, fire, milestoneFiring, milestoneScope } from './firing.ts';
import { instanceSources, transition } from './journey-run.ts';
import type { Run } from './journey-run.ts';
import { evaluateUntilFlip } from './lookahead.ts';
import { intersects } from './type-set.ts';

/** Steps 2-6 of reference §10 at instant `t`: milestones open, complete, become overdue, (v2) close; steps fire. */
export function milestoneSteps(run: Run, t: number, manualNow: ManualCompletionInput[] | null, horizon: number, firstJudgement: boolean): void {
  const { ir, pb, s, out, c } = run;
  if (firstJudgement) {
    s.judged = true;
    for (let mi = 0; mi < s.milestones.length; mi++) {
      const inst = s.milestones[mi]!;
      const appliesWhen = pb.appliesWhen[inst.m];
      if (appliesWhen === undefined || appliesWhen === null) continue;
      c.inst = inst;
      const applies = appliesWhen(c) === true;
      c.inst = null;
      if (!applies) {
        transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: inst.state, to: 'skipped' });
        inst.state = 'skipped';
        inst.closedAt = t;
        inst.aggs = inst.since = null;
      }
    }
  }
  for (let mi = 0; mi < s.milestones.length; mi++) {
    const inst = s.milestones[mi]!;
    if (inst.state === 'pending' && Math.max(inst.opensAt, s.contract.start) <= t && inst.opensAt < Infinity) {
      transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: 'pending', to: 'open' });
      inst.state = 'open';
      inst.openedAt = t;
    }
  }

  // 3. Open or overdue milestones whose done_when holds complete; on_done fires.
  for (let mi = 0; mi < s.milestones.length; mi++) {
    const inst = s.milestones[mi]!;
    if (inst.state !== 'open' && inst.state !== 'overdue') continue;
    // A completion by hand completes it whatever done_when says (not evaluated then).
    const manual = manualNow === null ? undefined : manualNow.find((m) => m.milestone === inst.id);
    if (manual === undefined) {
      if (inst.openedAt !== t && !(inst.wake !== null && inst.wake <= t) && !intersects(pb.doneWhenReads[inst.m]!, run.dirty)) continue;
      c.inst = inst;
      const done = evaluateUntilFlip(pb.doneWhen[inst.m]!, c, run.probe, horizon, pb.doneWhenReadsHealth[inst.m]);
      c.inst = null;
      inst.wake = run.probe.flipWake;
      if (!done) continue;
    }
    const to = t <= inst.dueAt ? 'done' : 'late';
    if (manual === undefined) {
      transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: inst.state, to });
    } else {
      const by = { note: manual.note, by: manual.by };
      transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: inst.state, to, manual: by });
      inst.manual = by;
    }
    inst.state = to;
    inst.completedAt = t;
    inst.wake = null;
    const onDone = ir.milestones[inst.m]!.onDone;
    if (onDone.length > 0) {
      const scope = milestoneScope(run, inst);
      const sources = instanceSources(run, inst).onDone;
      // (v2) tasks opened by on_done belong to no milestone (reference §5.2): only a person or the term closes them
      const firing = run.v2 ? milestoneFiring(run, inst, false) : null;
      for (let i = 0; i < onDone.length; i++) fire(run, sources[i]!, onDone[i]!, scope, firing);
    }
    if (run.v2) closeOwned(run, 'milestone', inst.id, 'milestone_completed');
  }

  // 4. Open milestones at or past due become overdue.
  for (let mi = 0; mi < s.milestones.length; mi++) {
    const inst = s.milestones[mi]!;
    if (inst.state === 'open' && inst.dueAt <= t) {
      transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: 'open', to: 'overdue' });
      inst.state = 'overdue';
      inst.overdueAt = t;
    }
  }

  // 5. (v2) Milestones not completed whose closes has come are missed; their open tasks close.
  if (run.v2) {
    for (let mi = 0; mi < s.milestones.length; mi++) {
      const inst = s.milestones[mi]!;
      if (inst.closesAt === undefined || inst.closesAt > t) continue;
      if (inst.state !== 'pending' && inst.state !== 'open' && inst.state !== 'overdue') continue;
      transition(out, { at: t, kind: 'milestone', milestone: inst.id, from: inst.state, to: 'missed' });
      inst.state = 'missed';
      inst.closedAt = t;
      inst.wake = null;
      closeOwned(run, 'milestone', inst.id, 'milestone_missed');
    }
  }

  // 6. Steps at t fire, for milestones opened and not completed, skipped or missed.
  for (let mi = 0; mi < s.milestones.length; mi++) {
    const inst = s.milestones[mi]!;
    if (inst.state !== 'open' && inst.state !== 'overdue') continue;
    const steps = ir.milestones[inst.m]!.steps;
    for (let i = 0; i < inst.steps.length; i++) {
      if (inst.steps[i] !== t) continue;
      fire(run, instanceSources(run, inst).steps[i]!, steps[i]!.action, milestoneScope(run, inst), run.v2 ? milestoneFiring(run, inst, true) : null);
    }
  }
}
