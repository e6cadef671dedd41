/**
 * Health for the read model (the dashboard's figure per journey): the value
 * reference §6 defines and each component's clamped score, at an instant. Not part
 * of the reference §12 report.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { compiled, newContext } from './evaluator.ts';
import { advanceJourney, cloneState } from './journey.ts';
import type { JourneyState, Value } from './types.ts';

/** A journey's health at an instant: the weighted mean and each component's score (null when unscored). */
export interface JourneyHealth {
  value: number | null;
  components: Record<string, number | null>;
}

const asNumber = (v: Value): number | null => (typeof v === 'number' ? v : null);

/**
 * Health at `at` (epoch ms), or null when the playbook has no `health`. A
 * state not yet advanced to `at` is advanced on a copy; `at` before the
 * state's clock reads the state as it is (windows cannot slide back).
 */
export function journeyHealth(ir: PlaybookIR, state: JourneyState, at: number): JourneyHealth | null {
  const components = ir.health?.components ?? [];
  if (components.length === 0) return null;
  // Evaluating slides windows (it mutates): always on a copy.
  const s = !state.closed && (state.clock === null || at > state.clock) ? advanceJourney(ir, state, at).state : cloneState(state);
  const c = newContext(s, Math.max(at, s.clock ?? at));
  const health = compiled(ir).health(c);
  const out: JourneyHealth = { value: asNumber(health.value), components: {} };
  components.forEach((component, i) => {
    out.components[component.id] = asNumber(health.components[i]?.value ?? null);
  });
  return out;
}
