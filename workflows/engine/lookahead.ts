/**
 * Look-ahead: when a milestone's `done_when` or a risk's `when` next changes its
 * truth value with time alone (journey.ts asks for each). Most change points of
 * a condition's inputs (a window exit, a `days_since` threshold) leave it as
 * it was; probing them here, on a context that changes nothing, lets the
 * journey sleep until the one that matters.
 */
import type { EvalContext, Evaluator } from './compiled-playbook.ts';

/** How many future change points {@link evaluateUntilFlip} probes before settling for a wake-up. */
export const LOOKAHEAD_STEPS = 16;

/**
 * Evaluates a condition at `c.now` and finds the first later instant at which
 * its truth value flips, assuming no new event arrives: each change point of
 * its inputs (a window exit, a `days_since` threshold) is probed in look-ahead
 * mode until the value differs. The journey then wakes only when something
 * happens, not at every change point of every input. Probing stops past
 * `horizon` (the caller knows it re-evaluates by then) or after
 * {@link LOOKAHEAD_STEPS}; the wake returned is then the change point where
 * it stopped, where the search resumes. Returns the value; that instant
 * (null: nothing changes with time alone) is left in `probe.flipWake`.
 */
export function evaluateUntilFlip(ev: Evaluator, c: EvalContext, probe: EvalContext, horizon: number, readsHealth = true): boolean {
  const saved = c.wake;
  c.wake = Infinity;
  const value = ev(c) === true;
  let wake = c.wake;
  if (wake > saved) c.wake = saved;
  if (wake === Infinity || wake > horizon) {
    probe.flipWake = wake === Infinity ? null : wake;
    return value;
  }
  probe.state = c.state;
  probe.inst = c.inst;
  probe.peek = true;
  // Health components scored at `c.now` stay valid until their own wakes; the
  // probe's component cache is overwritten in place (`at: Infinity`: not valid).
  // A condition that does not read health leaves it alone (the next that does sets it).
  if (!readsHealth) return probeFlip(ev, probe, horizon, value, wake);
  let cache = probe.components;
  if (cache === null) cache = probe.components = [];
  const health = c.health !== null && c.healthAt === c.now ? c.health.components : null;
  const n = health === null ? cache.length : health.length;
  for (let i = 0; i < n; i++) {
    const slot = cache[i];
    const h = health === null ? null : health[i]!;
    if (slot === undefined) {
      if (h !== null) cache[i] = { value: h.value, wake: h.wake, at: c.now };
    } else if (h === null) slot.at = Infinity;
    else {
      slot.value = h.value;
      slot.wake = h.wake;
      slot.at = c.now;
    }
  }
  for (let i = n; i < cache.length; i++) {
    const slot = cache[i];
    if (slot !== undefined) slot.at = Infinity;
  }
  return probeFlip(ev, probe, horizon, value, wake);
}

/** The look-ahead loop of {@link evaluateUntilFlip}, from change point `wake` on. */
function probeFlip(ev: Evaluator, probe: EvalContext, horizon: number, value: boolean, wake: number): boolean {
  for (let step = 0; wake !== Infinity && wake <= horizon && step < LOOKAHEAD_STEPS; step++) {
    probe.now = wake;
    probe.wake = Infinity;
    probe.healthAt = NaN;
    if ((ev(probe) === true) !== value) break;
    wake = probe.wake;
  }
  probe.flipWake = wake === Infinity ? null : wake;
  return value;
}
