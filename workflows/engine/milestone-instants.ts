/**
 * A milestone's own instants (its first instance's `opens`, `due` and step
 * instants) for one contract, in the order they must be computed: `opens`
 * may be written from `due` (`opens: due - 30 days`) and `due` from `opens`,
 * never both (the compiler refuses the cycle).
 */
import type { Milestone } from '../../dsl/ir/schema.ts';
import { evalTime } from './calendar.ts';
import type { Contract } from './types.ts';

export interface MilestoneInstants {
  opens: number;
  due: number;
  /** Each step's instant, in the milestone's step order. */
  steps: number[];
  /** (v2) its own `closes:` instant; null without one */
  closes: number | null;
}

/** Instants of instance 1; instance k is each shifted by (k − 1) × the repeat (reference §5.1). */
export function milestoneInstants(m: Milestone, contract: Contract): MilestoneInstants {
  const base = { start: contract.start, end: contract.end, opens: null, due: null };
  let opens = evalTime(m.opens, base);
  let due: number;
  if (opens === null) {
    const dueFirst = evalTime(m.due, base);
    opens = evalTime(m.opens, { ...base, due: dueFirst }) ?? contract.start;
    due = dueFirst ?? evalTime(m.due, { ...base, opens }) ?? contract.end;
  } else {
    due = evalTime(m.due, { ...base, opens }) ?? contract.end;
  }
  const steps = m.steps.map((s) => evalTime(s.at, { ...base, opens, due }) ?? contract.end);
  const closes = m.closes === undefined || m.closes === null ? null : evalTime(m.closes, { ...base, opens, due });
  return { opens, due, steps, closes };
}
