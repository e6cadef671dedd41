/**
 * Health (reference §6): the weighted mean of the components' scores, each
 * clamped to 0..100, a component without a number left out. Computed once per
 * instant and shared by every rule that reads `health` or a component; each
 * context keeps one health object (and one object per component) and
 * overwrites it in place, so a computation allocates nothing.
 *
 * Across the instants of one advance a component's score is reused while its
 * own wake has not come and no event of a type it reads has become visible
 * since it was scored (`EvalContext.components` and `changedAt`).
 */
import type { EvalContext, Evaluator, HealthFigures } from './compiled-playbook.ts';
import { nextType } from './type-set.ts';
import type { TypeSet } from './type-set.ts';

/** What {@link healthOf} scores: a playbook's health components, in its order. */
export interface HealthScoring {
  /** each component's weight */
  weights: number[];
  /**
   * each component's compiled score; set once every expression is compiled
   * (the scores are compiled by the same compiler as the rules that read health)
   */
  scores: Evaluator[];
  /** the event types each component's score reads */
  deps: TypeSet[];
}

/** Has no event of these types become visible after `since`? */
function unchangedSince(deps: TypeSet, changedAt: number[] | null, since: number): boolean {
  if (changedAt === null) return false;
  for (let i = nextType(deps, 0); i >= 0; i = nextType(deps, i + 1)) if (changedAt[i]! > since) return false;
  return true;
}

/** Health and its clamped components at `c.now`, cached in `c` for that instant (does not touch `c.wake`). */
export function healthOf(scoring: HealthScoring): (c: EvalContext) => HealthFigures {
  const healthWeights = scoring.weights;
  return (c) => {
    let health = c.health;
    if (health !== null && c.healthAt === c.now) return health;
    if (health === null) {
      health = { value: null, wake: Infinity, components: healthWeights.map(() => ({ value: null, wake: Infinity })) };
      c.health = health;
    }
    const components = health.components;
    let total = 0, weights = 0, wake = Infinity;
    const cache = c.components;
    const scores = scoring.scores;
    const componentDeps = scoring.deps;
    for (let i = 0; i < healthWeights.length; i++) {
      const cached = cache === null ? undefined : cache[i];
      let score: number | null, w: number;
      // Looking ahead no event arrives, so only the component's own wake can end its score.
      if (cached !== undefined && cached.at <= c.now && cached.wake > c.now && (c.peek || unchangedSince(componentDeps[i]!, c.changedAt, cached.at))) {
        score = cached.value as number | null;
        w = cached.wake;
      } else {
        const saved = c.wake;
        c.wake = Infinity;
        const raw = scores[i]!(c);
        w = c.wake;
        c.wake = saved;
        score = typeof raw === 'number' ? Math.min(100, Math.max(0, raw)) : null;
        if (cache !== null) {
          if (cached === undefined) cache[i] = { value: score, wake: w, at: c.now };
          else {
            cached.value = score;
            cached.wake = w;
            cached.at = c.now;
          }
        }
      }
      const slot = components[i]!;
      slot.value = score;
      slot.wake = w;
      if (w < wake) wake = w;
      if (score !== null) {
        total += healthWeights[i]! * score;
        weights += healthWeights[i]!;
      }
    }
    health.value = weights > 0 ? total / weights : null;
    health.wake = wake;
    c.healthAt = c.now;
    return health;
  };
}
