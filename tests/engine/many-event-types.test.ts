/**
 * Which rules an event touches is tested on sets of event types, one 32-bit
 * word per 32 types (type-set.ts). Sets of one word and of several must judge
 * alike: the same rules over 3 declared types and over 40.
 */
import { describe, expect, it } from 'vitest';
import { compiled } from '../../workflows/engine/evaluator.ts';
import { compileYaml, ev, runJourney } from './support.ts';

function playbook(extraTypes: number) {
  const extra = Array.from({ length: extraTypes }, (_, i) => `  filler_${i}: {}`).join('\n');
  return compileYaml(`
playbook: many-types
title: Many event types
customer: { name: string, csm: string, manager: string }
events:
${extra}
  kickoff: {}
  usage: { minutes: number }
  complaint: {}
milestones:
  - id: kickoff
    title: Kick-off held
    due: month 1
    done_when: happened(kickoff) and sum(usage.minutes within 30 days) >= 60
risks:
  - id: complaints
    title: Complaints this week
    when: count(complaint within 7 days) >= 2
    level: high
    actions:
      - remind: csm
        message: "{{customer.name}} complained twice this week"
`);
}

const term = { start: '2026-01-01', end: '2026-06-01', attrs: { name: 'Acme', csm: 'ada@example.com', manager: 'max@example.com' } };
const events = [
  ev('2026-01-05', 'kickoff'), ev('2026-01-08', 'usage', { minutes: 40 }), ev('2026-01-20', 'usage', { minutes: 30 }),
  ev('2026-02-02', 'complaint'), ev('2026-02-06', 'complaint'), ev('2026-02-07', 'filler_0'),
  ev('2026-03-01', 'complaint'), ev('2026-03-20', 'complaint'),
];

describe('event types beyond one word of a type set', () => {
  it('give the same report as a one-word playbook', () => {
    const few = playbook(0);
    const many = playbook(40 - 3);
    expect(compiled(few).riskReads[0]!.length).toBe(1);
    expect(compiled(many).typeList.length).toBeGreaterThan(32);
    expect(compiled(many).riskReads[0]!.length).toBe(2);
    const byOneWord = runJourney(few, term, events.filter((e) => e.type !== 'filler_0')).report;
    const byTwoWords = runJourney(many, term, events).report;
    expect(byTwoWords).toEqual(byOneWord);
    // And what they agree on is the rules' meaning: done when the usage reached 60 minutes,
    // the risk raised by the second complaint within a week and cleared when the first left.
    expect(byTwoWords.milestones.find((m) => m.id === 'kickoff')).toMatchObject({ state: 'done', completed_at: '2026-01-20T00:00:00.000Z' });
    expect(byTwoWords.risks).toEqual([{ id: 'complaints', raised_at: '2026-02-06T00:00:00.000Z', cleared_at: '2026-02-09T00:00:00.000Z' }]);
  });
});
