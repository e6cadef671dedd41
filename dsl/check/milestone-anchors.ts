/**
 * Which of a milestone's own instants (`opens`, `due`) a time expression may
 * start from (reference §3), and why one is refused. `opens` and `due` may each be
 * written from the other, but not both at once and neither from itself: the
 * engine computes first the one that does not use the other (see
 * workflows/engine/journey.ts, `startJourney`), so only a cycle is refused.
 */
import type { TimeExpr } from '../ir/schema.ts';
import type { RuleScope } from './rule-context.ts';

type Instant = 'opens' | 'due';

/**
 * The scope for defining `field` of a milestone, given how the other instant
 * is written (`null` when it is missing or did not compile: then only the
 * self-reference can be refused).
 */
export function definingScope(scope: RuleScope, field: Instant, other: TimeExpr | null): RuleScope {
  const otherField: Instant = field === 'opens' ? 'due' : 'opens';
  const closesCycle = other !== null && other.anchor === field;
  return { ...scope, anchors: new Set(closesCycle ? [] : [otherField]), defining: { field, other } };
}

/** The message for `name` used where `scope` does not allow it. */
export function refusedAnchor(name: Instant, scope: RuleScope): string {
  const d = scope.defining;
  if (d && name === d.field) {
    return `a milestone's \`${name}\` cannot be defined from itself (\`${name}\` → \`${name}\` is a cycle); start it from \`start\`, \`contract.end\`, \`month N\` or the milestone's ${name === 'opens' ? '`due`' : '`opens`'}`;
  }
  if (d && d.other && d.other.anchor === d.field) {
    return `a milestone's \`${d.field}\` cannot be defined from \`${name}\` when \`${name}\` is defined from \`${d.field}\` (\`${name}: ${d.other.source.trim()}\`): \`${d.field}\` → \`${name}\` → \`${d.field}\` is a cycle; write one of them without the other`;
  }
  return `\`${name}\` cannot be used in ${scope.place}: only a milestone's \`opens\`, \`due\`, steps, \`done_when\` and \`on_done\` can use its instants`;
}
