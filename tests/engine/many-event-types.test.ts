/**
 * Which rules an event touches is tested by bit mask when a playbook has at
 * most MASK_TYPES event types and by per-type flags beyond that. Both paths
 * must judge alike: the same rules over 3 declared types and over 40.
 */
import { describe, expect, it } from 'vitest';
import { MASK_TYPES } from '../../workflows/engine/compiled-playbook.ts';
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

describe('event types beyond the bit masks', () => {
  it('give the same report by flags as by masks', () => {
    const few = playbook(0);
    const many = playbook(40 - 3);
    expect(compiled(few).riskMasks).not.toBeNull();
    expect(compiled(many).typeList.length).toBeGreaterThan(MASK_TYPES);
    expect(compiled(many).riskMasks).toBeNull();
    const byMasks = runJourney(few, term, events.filter((e) => e.type !== 'filler_0')).report;
    const byFlags = runJourney(many, term, events).report;
    expect(byFlags).toEqual(byMasks);
    // And what they agree on is the rules' meaning: done when the usage reached 60 minutes,
    // the risk raised by the second complaint within a week and cleared when the first left.
    expect(byFlags.milestones.find((m) => m.id === 'kickoff')).toMatchObject({ state: 'done', completed_at: '2026-01-20T00:00:00.000Z' });
    expect(byFlags.risks).toEqual([{ id: 'complaints', raised_at: '2026-02-06T00:00:00.000Z', cleared_at: '2026-02-09T00:00:00.000Z' }]);
  });
});
