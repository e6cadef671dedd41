/**
 * Expression semantics (reference §4), as a table: each row is a risk whose `when`
 * must be true (raised) or false at contract.start, with no events seen.
 */
import { describe, expect, it } from 'vitest';
import { compileYaml, runJourney } from './support.ts';

const TRUE = [
  'not (latest(usage.minutes) > 0)',                 // comparison with null is false; not false is true
  'not (latest(usage.minutes) == latest(usage.minutes))',
  'latest(usage.minutes) is null',
  'sum(usage.minutes) is null',                      // sum over no events is null
  'avg(usage.minutes) is null',
  'count(usage) == 0',
  'customer.arr / 0 is null',                        // division by zero is null
  'latest(usage.minutes) + 1 is null',               // arithmetic with null is null
  '-latest(usage.minutes) is null',
  'clamp(latest(usage.minutes), 0, 100) is null',
  'round(2.5) == 3 and round(-2.5) == -3 and round(2.4) == 2',
  'abs(-2) == 2 and clamp(150, 0, 100) == 100 and min(3, 4) == 3 and max(3, 4) == 4',
  '10 - 2 * 3 == 4 and (10 - 2) * 3 == 24 and 7 / 2 == 3.5 and 10 - 4 - 3 == 3',
  'customer.tier in ["vip", "growth"]',
  'not (latest(usage.minutes) in [1, 2])',
  'days_since(start) == 0 and days_since(contract.end) < 0',
  'days_since(start - 36 hours) == 1',
  'latest(usage.minutes) > 1 or customer.arr > 50',   // null counts as false in or
  'customer.name == "Acme" and customer.name != "Other"',
  'latest(usage.minutes) is null or latest(usage.minutes) > 5',
];
const FALSE = [
  'latest(usage.minutes) != 5',
  'latest(usage.minutes) < 5',
  'latest(usage.minutes) > 0 and customer.arr > 50',
  'happened(usage)',
  'customer.arr / 0 > 0',
  'days_since(usage) >= 0',                          // null when no event
  'latest(usage.minutes) is not null',
];

const playbook = `
playbook: expressions
title: Expression table
customer:
  name: string
  tier: enum(vip, growth, stable)
  arr: number
  csm: string
events:
  usage: { minutes: number }
milestones:
  - id: m
    title: M
    due: month 1
    done_when: happened(usage)
risks:
${[...TRUE, ...FALSE].map((when, i) => `  - id: r${i}\n    title: R${i}\n    when: ${JSON.stringify(when)}\n    level: low\n    actions: []`).join('\n')}
`;

describe('expressions', () => {
  const ir = compileYaml(playbook);
  const { report } = runJourney(ir, { start: '2026-01-01', end: '2027-01-01', attrs: { name: 'Acme', tier: 'growth', arr: 100, csm: 'ada' } }, [], '2026-01-01');
  const raised = new Set(report.risks.map((r) => r.id));
  TRUE.forEach((when, i) => {
    it(`is true: ${when}`, () => expect(raised.has(`r${i}`)).toBe(true));
  });
  FALSE.forEach((when, i) => {
    it(`is false: ${when}`, () => expect(raised.has(`r${TRUE.length + i}`)).toBe(false));
  });
});
