/**
 * Risks and (v2) opportunities at one instant (reference §6, §10 step 7): raised
 * or cleared at the first instant their condition flips, their actions fired
 * on a raise unless a cooldown holds them back.
 */
import type { TemplateScope } from './actions.ts';
import { windowExit } from './calendar.ts';
import { closeOwned, fire, fireSignal } from './firing.ts';
import { transition } from './journey-run.ts';
import type { Run } from './journey-run.ts';
import { evaluateUntilFlip } from './lookahead.ts';
import { intersects } from './type-set.ts';
import type { Transition } from './types.ts';

/**
 * Step 7 of reference §10 at instant `t`: each risk, then (v2) each opportunity,
 * whose condition may have changed (an event type it reads arrived, its wake
 * came, or the milestones are first judged) is evaluated with a look-ahead no
 * further than `horizon`; it is raised or cleared at the first instant its
 * condition flips, and fires its actions when raised (after its cooldown).
 */
export function judgeSignals(run: Run, t: number, horizon: number, firstJudgement: boolean): void {
  const { ir, pb, s, out, c } = run;
  const health = run.health;
  const risks = run.signals;
  const nRisks = ir.risks.length;
  for (let ri = 0; ri < risks.length; ri++) {
    const risk = risks[ri]!;
    const opportunity = ri >= nRisks;
    const rs = opportunity ? s.opportunities![ri - nRisks]! : s.risks[ri]!;
    if (!firstJudgement && !(rs.wake !== null && rs.wake <= t) && !intersects(pb.riskReads[ri]!, run.dirty)) continue;
    let on: boolean;
    if (run.v2 && t < run.fromAt[ri]!) {
      // (v2) Before `from`, `when` counts as false; it is evaluated at `from` like any other instant.
      on = false;
      rs.wake = run.fromAt[ri]!;
    } else {
      on = evaluateUntilFlip(pb.riskWhen[ri]!, c, run.probe, horizon, pb.riskReadsHealth[ri]);
      rs.wake = run.probe.flipWake;
    }
    if (on === rs.on) continue;
    rs.on = on;
    if (!on) {
      const last = rs.raises[rs.raises.length - 1];
      if (last !== undefined) last[1] = t;
      transition(out, opportunity
        ? { at: t, kind: 'opportunity', opportunity: risk.id, change: 'cleared', actionsFired: false }
        : { at: t, kind: 'risk', risk: risk.id, change: 'cleared', actionsFired: false });
      if (run.v2) closeOwned(run, opportunity ? 'opportunity' : 'risk', risk.id, 'risk_cleared');
      continue;
    }
    rs.raises.push([t, null]);
    // "Last fired less than `cooldown` before": `now - cooldown < lastFired`, the same
    // reading as `within` (so a month's cooldown from Jan 31 ends on Mar 1, not Feb 28).
    const cooled = risk.cooldown === null || rs.lastFired === null || t >= windowExit(rs.lastFired, risk.cooldown);
    const fires = cooled && t >= s.enrolledAt;
    const raised: Transition = opportunity
      ? { at: t, kind: 'opportunity', opportunity: risk.id, change: 'raised', actionsFired: fires }
      : { at: t, kind: 'risk', risk: risk.id, change: 'raised', actionsFired: fires };
    transition(out, raised);
    if (!fires) continue;
    if (!run.v2) {
      rs.lastFired = t;
      const scope: TemplateScope = { milestone: null, health, event: null };
      const sources = run.sources.risks[ri]!;
      for (let i = 0; i < risk.actions.length; i++) fire(run, sources[i]!, risk.actions[i]!, scope);
      continue;
    }
    // (v2) An action held back by its `when` does not count as fired (for the cooldown either).
    const firedAny = fireSignal(run, ri, false);
    if (firedAny) rs.lastFired = t;
    (raised as { actionsFired: boolean }).actionsFired = firedAny;
  }
}
