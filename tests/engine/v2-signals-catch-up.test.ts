/**
 * Language version 2 in the engine (reference §4, §6, §8, §9, §10, §12): `when` on
 * actions, `from`, opportunities, `count_distinct`, catch-up at enrolment and
 * at migration, the next term, template subjects. Expectations are worked out
 * by hand from SPEC (the reasoning beside each).
 */
import { describe, expect, it } from 'vitest';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { advanceJourney, journeyHealth, journeyReport, migrateJourney, receiveEvents, startJourney } from '../../workflows/engine/index.ts';
import { at, ev } from './support.ts';
import { days, iso, milestone, rule, run, stepAction, take, text, v2Playbook } from './v2-support.ts';

const CUSTOMER = 'customer: { csm: string, manager: string, name: string, tier: string }\n';
const ATTRS = { csm: 'ada@example.com', manager: 'max@example.com', name: 'Acme', tier: 'growth' };

describe('when on actions (reference §8)', () => {
  // Steps at day 1 (Jan 2, VIP only) and day 2 (Jan 3, when happened(ping): the first ping is Jan 4).
  // Trigger on ping: a reminder when event.v >= 5. Risk low: raised Jan 4 (v=3) with its action held back
  // (when days_since(start) >= 5 is false on day 3), cleared Jan 5 (v=7), raised again Jan 6 (v=2): the
  // held-back raise started no cooldown, so it fires on day 5.
  const yaml = `playbook: p
title: P
${CUSTOMER}events: { ping: { v: number }, done: {} }
milestones:
  - id: kickoff
    title: Kickoff
    due: day 10
    done_when: happened(done)
    steps:
      - at: day 1
        open_task: "VIP kickoff"
      - at: day 2
        remind: csm
        message: all
  - id: x_vip
    title: aux
    due: day 1
    done_when: customer.tier == "vip"
  - id: x_pinged
    title: aux
    due: day 1
    done_when: happened(ping)
  - id: x_big
    title: aux
    due: day 1
    done_when: happened(ping where v >= 5)
  - id: x_day5
    title: aux
    due: day 1
    done_when: days_since(start) >= 5
risks:
  - id: low
    title: Low
    level: low
    when: latest(ping.v) < 5
    cooldown: 30 days
    actions:
      - remind: csm
        message: low
triggers:
  - id: t
    on: ping
    actions:
      - remind: csm
        message: big
`;
  const patch = (ir: PlaybookIR) => {
    stepAction(ir, 'kickoff', 0).when = rule(ir, 'vip');
    stepAction(ir, 'kickoff', 1).when = rule(ir, 'pinged');
    const big = take(ir, 'big').doneWhen;
    const where = ir.queries[(big.expr as { query: number }).query]!.where!;
    ir.triggers[0]!.actions[0]!.when = { source: 'event.v >= 5', expr: where, type: 'boolean' };
    ir.risks[0]!.actions[0]!.when = rule(ir, 'day5');
  };
  const term = { start: '2026-01-01', end: '2026-02-01', attrs: ATTRS };
  const events = [ev('2026-01-04', 'ping', { v: 3 }), ev('2026-01-05', 'ping', { v: 7 }), ev('2026-01-06', 'ping', { v: 2 })];

  it('an action whose when is false is not listed, opens no task, never fires later, and starts no cooldown', () => {
    const { report, advance } = run(v2Playbook(yaml, patch), term, events);
    expect(report.actions).toEqual([
      { at: iso('2026-01-05'), kind: 'remind', source: 'trigger/t/0', to: 'csm', message: 'big' },
      { at: iso('2026-01-06'), kind: 'remind', source: 'risk/low/0', to: 'csm', message: 'low' },
    ]);
    expect(report.tasks).toEqual([]);
    expect(report.risks).toEqual([
      { id: 'low', raised_at: iso('2026-01-04'), cleared_at: iso('2026-01-05') },
      { id: 'low', raised_at: iso('2026-01-06'), cleared_at: null },
    ]);
    expect(advance.transitions.filter((t) => t.kind === 'risk' && t.change === 'raised').map((t) => t.kind === 'risk' && t.actionsFired)).toEqual([false, true]);
  });

  it('a VIP gets the kickoff task', () => {
    const { report } = run(v2Playbook(yaml, patch), { ...term, attrs: { ...ATTRS, tier: 'vip' } }, []);
    expect(report.actions).toEqual([{ at: iso('2026-01-02'), kind: 'open_task', source: 'milestone/kickoff/step/0', to: 'csm', title: 'VIP kickoff', priority: 'normal', due_at: iso('2026-01-09') }]);
  });
});

describe('from: a grace period (reference §6)', () => {
  // count(usage within 7 days) == 0 is true from the start; from = start + 10 days = Jan 11.
  const yaml = `playbook: p
title: P
${CUSTOMER}events: { usage: {} }
milestones:
  - id: x_from
    title: aux
    due: start + 10 days
    done_when: true
risks:
  - id: stopped
    title: Usage stopped
    level: high
    when: count(usage within 7 days) == 0
    actions:
      - escalate: manager
`;
  const patch = (ir: PlaybookIR) => {
    ir.risks[0]!.from = take(ir, 'from').due;
  };
  const term = { start: '2026-01-01', end: '2026-02-01', attrs: ATTRS };

  it('true at from: raised at from, not at the start', () => {
    const { report } = run(v2Playbook(yaml, patch), term, []);
    expect(report.risks).toEqual([{ id: 'stopped', raised_at: iso('2026-01-11'), cleared_at: null }]);
    expect(report.actions).toEqual([{ at: iso('2026-01-11'), kind: 'escalate', source: 'risk/stopped/0', to: 'manager' }]);
  });

  it('an event before from that leaves its window after from: raised when it leaves', () => {
    // usage Jan 8 counts until Jan 15 (at + 7 days).
    const { report } = run(v2Playbook(yaml, patch), term, [ev('2026-01-08', 'usage')]);
    expect(report.risks).toEqual([{ id: 'stopped', raised_at: iso('2026-01-15'), cleared_at: null }]);
  });

  it('an event that left its window before from: raised at from', () => {
    const { report } = run(v2Playbook(yaml, patch), term, [ev('2026-01-03', 'usage')]);
    expect(report.risks).toEqual([{ id: 'stopped', raised_at: iso('2026-01-11'), cleared_at: null }]);
  });
});

describe('opportunities and count_distinct (reference §4, §6)', () => {
  // upsell: count_distinct(login.user within 3 days) >= 2; adoption: count_distinct(login.user) >= 3.
  // Logins: Jan 2 user 1, Jan 3 null, Jan 3 12:00 user 1, Jan 4 user 2 (window: 1, null, 1, 2: two distinct,
  // raised). Exits at +3 days: Jan 5 (user 1), Jan 6 (null), Jan 6 12:00 (user 1): then only 2: cleared.
  // Jan 10 user 3: the third distinct value ever: adoption done.
  const yaml = `playbook: p
title: P
${CUSTOMER}events: { login: { user: number } }
milestones:
  - id: adoption
    title: Adoption
    due: day 20
    done_when: max(login.user) >= 3
risks:
  - id: upsell
    title: Upsell
    level: low
    when: max(login.user within 3 days) >= 2
    actions:
      - open_task: "Offer more seats"
        due_in: 5 days
`;
  const distinct = (e: unknown) => {
    (e as { left: { fn: string } }).left.fn = 'count_distinct';
  };
  const patch = (ir: PlaybookIR) => {
    distinct(milestone(ir, 'adoption').doneWhen.expr);
    distinct(ir.risks[0]!.when.expr);
    ir.opportunities = ir.risks.splice(0, 1);
  };
  const term = { start: '2026-01-01', end: '2026-02-01', attrs: ATTRS };
  const events = [
    ev('2026-01-02', 'login', { user: 1 }), ev('2026-01-03', 'login', { user: null }), ev('2026-01-03T12:00:00Z', 'login', { user: 1 }),
    ev('2026-01-04', 'login', { user: 2 }), ev('2026-01-10', 'login', { user: 3 }),
  ];

  it('counts distinct non-null values, in and out of a window; an opportunity is listed apart and closes its task', () => {
    const { report } = run(v2Playbook(yaml, patch), term, events);
    expect(report.milestones[0]).toEqual({ id: 'adoption', state: 'done', opens_at: iso('2026-01-01'), due_at: iso('2026-01-21'), completed_at: iso('2026-01-10') });
    expect(report.risks).toEqual([]);
    expect(report.opportunities).toEqual([{ id: 'upsell', raised_at: iso('2026-01-04'), cleared_at: iso('2026-01-06T12:00:00Z') }]);
    expect(report.actions).toEqual([
      { at: iso('2026-01-04'), kind: 'open_task', source: 'opportunity/upsell/0', to: 'csm', title: 'Offer more seats', priority: 'normal', due_at: iso('2026-01-09') },
    ]);
    expect(report.tasks!.map((t) => [t.id, t.closed_at, t.closed_because])).toEqual([
      ['opportunity/upsell/0@2026-01-04T00:00:00.000Z', iso('2026-01-06T12:00:00Z'), 'risk_cleared'],
    ]);
  });

  it('is 0 with no events, and nulls alone count nothing', () => {
    const { report } = run(v2Playbook(yaml, patch), term, [ev('2026-01-02', 'login', { user: null }), ev('2026-01-02', 'login', { user: null })]);
    expect(report.milestones[0]!.state).toBe('missed');
    expect(report.opportunities).toEqual([]);
  });
});

describe('catch-up at enrolment (reference §10 step 9)', () => {
  // prep opens day 10 (Jan 11), due day 40 (Feb 10); steps at opens (task), opens + 5 days (Jan 16, reminder),
  // due (escalation). quiet: no ping within 30 days: raised at the start. Enrolled Jan 20 08:00: the latest
  // step before it and not before opens is the Jan 16 reminder; quiet is still raised: both fire at enrolment.
  const yaml = `playbook: p
title: P
${CUSTOMER}events: { ping: {}, signed: {} }
milestones:
  - id: prep
    title: Prepare the renewal
    opens: day 10
    due: day 40
    done_when: happened(signed)
    steps:
      - at: opens
        open_task: "Prepare"
        due_in: 5 days
      - at: opens + 5 days
        remind: csm
        message: nudge
      - at: due
        escalate: manager
risks:
  - id: quiet
    title: Quiet
    level: low
    when: count(ping within 30 days) == 0
    actions:
      - escalate: manager
        message: quiet
`;
  const term = { start: '2026-01-01', end: '2026-07-01', attrs: ATTRS, enrolledAt: '2026-01-20T08:00:00Z' };
  const e = iso('2026-01-20T08:00:00Z');

  it('fires the latest missed step and the still-raised risk, marked catch_up, in that order', () => {
    const { report } = run(v2Playbook(yaml), term, []);
    expect(report.actions).toEqual([
      { at: e, kind: 'remind', source: 'milestone/prep/step/1', to: 'csm', message: 'nudge', catch_up: true },
      { at: e, kind: 'escalate', source: 'risk/quiet/0', to: 'manager', message: 'quiet', catch_up: true },
      { at: iso('2026-02-10'), kind: 'escalate', source: 'milestone/prep/step/2', to: 'manager' },
    ]);
    expect(report.risks).toEqual([{ id: 'quiet', raised_at: iso('2026-01-01'), cleared_at: null }]);
  });

  it('catch_up: none fires nothing before enrolment', () => {
    const { report } = run(v2Playbook(yaml, (ir) => { ir.catchUp = 'none'; }), term, []);
    expect(report.actions.map((a) => a.source)).toEqual(['milestone/prep/step/2']);
  });

  it('a version-1 IR has no catch-up', () => {
    const ir = v2Playbook(yaml);
    delete ir.language;
    expect(run(ir, term, []).report.actions.map((a) => a.source)).toEqual(['milestone/prep/step/2']);
  });

  it('migration: catch-up never re-fires a source that fired; the actions before the migration stay in the report', () => {
    const old = v2Playbook(yaml);
    const contract = { start: at('2026-01-01'), end: at('2026-07-01') };
    let s = startJourney(old, { customer: { id: 'c1', attrs: ATTRS }, contract, enrolledAt: contract.start });
    const m = at('2026-01-20T08:00:00Z');
    s = advanceJourney(old, s, m - 1).state;
    // Before m: the risk's escalation (Jan 1), the task (Jan 11), the nudge (Jan 16).
    expect(s.actions.map((a) => a.source)).toEqual(['risk/quiet/0', 'milestone/prep/step/0', 'milestone/prep/step/1']);
    // The new version adds a step at opens + 7 days (Jan 18): the latest step before m, never fired.
    const next = v2Playbook(yaml, (ir) => {
      milestone(ir, 'prep').steps.push({ at: { anchor: 'opens', terms: [{ sign: 1, duration: days(7) }], source: 'opens + 7 days' }, action: { kind: 'remind', to: 'csm', template: null, message: text('new'), channel: 'email' } });
    });
    next.sourceHash = 'sha256:next';
    let migrated = migrateJourney(next, s, { at: m, events: [] });
    migrated = advanceJourney(next, migrated, contract.end).state;
    const report = journeyReport(next, migrated, contract.end);
    expect(report.actions.map((a) => [a.at, a.source, a.catch_up ?? false])).toEqual([
      [iso('2026-01-01'), 'risk/quiet/0', false],
      [iso('2026-01-11'), 'milestone/prep/step/0', false],
      [iso('2026-01-16'), 'milestone/prep/step/1', false],
      [e, 'milestone/prep/step/3', true],
      [iso('2026-02-10'), 'milestone/prep/step/2', false],
    ]);
    // The task opened before the migration stays the journey's, and closes with the term.
    expect(report.tasks!.map((t) => [t.id, t.closed_because])).toEqual([['milestone/prep/step/0@2026-01-11T00:00:00.000Z', 'term_closed']]);
  });
});

describe('the next term and templates (reference §9, §8, §12)', () => {
  const yaml = `playbook: first-year
title: P
${CUSTOMER}events: { signed: {} }
milestones:
  - id: renewal
    title: Renewal
    renewal: true
    opens: contract.end - 30 days
    due: contract.end
    done_when: happened(signed)
    on_done:
      - remind: csm
        template: thanks
`;
  const patch = (ir: PlaybookIR) => {
    ir.renewalTerm = { playbook: 'second-year', length: { amount: 12, unit: 'month' } };
    ir.templates = {
      thanks: {
        file: 'templates/thanks.md',
        subject: { source: '', parts: ['Renewed: ', { kind: 'customer', attr: 'name' }] },
        body: { source: '', parts: ['**', { kind: 'customer', attr: 'name' }, '** reached ', { kind: 'milestone_title' }, '.'] },
      },
    };
  };
  const term = { start: '2026-01-31', end: '2027-01-31', attrs: { ...ATTRS, name: 'A*cme' } };

  it('a term closed renewed names its next term; a templated reminder carries its subject', () => {
    const { report, advance } = run(v2Playbook(yaml, patch), term, [ev('2027-01-10', 'signed')]);
    expect(report.outcome).toBe('renewed');
    expect(report.next_term).toEqual({ playbook: 'second-year', start: iso('2027-01-31'), end: iso('2028-01-31') });
    expect(report.actions).toEqual([{ at: iso('2027-01-10'), kind: 'remind', source: 'milestone/renewal/on_done/0', to: 'csm', template: 'thanks', subject: 'Renewed: A*cme' }]);
    const fired = advance.fired[0]!;
    expect(fired.kind === 'remind' && [fired.subject, fired.body, fired.bodyParts]).toEqual([
      'Renewed: A*cme', '**A*cme** reached Renewal.', [{ text: '**' }, { value: 'A*cme' }, { text: '** reached ' }, { value: 'Renewal' }, { text: '.' }],
    ]);
    expect(fired.about).toEqual({ kind: 'milestone', id: 'renewal', title: 'Renewal', dueAt: at('2027-01-31') });
  });

  it('playbook null: this playbook; not renewed, or still running: null', () => {
    const ir = v2Playbook(yaml, (x) => { patch(x); x.renewalTerm!.playbook = null; });
    expect(run(ir, term, [ev('2027-01-10', 'signed')]).report.next_term).toEqual({ playbook: 'first-year', start: iso('2027-01-31'), end: iso('2028-01-31') });
    expect(run(ir, term, []).report.next_term).toBeNull();
    expect(run(ir, term, [ev('2027-01-10', 'signed')], { until: '2027-01-30' }).report.next_term).toBeNull();
  });
});

describe('journeyHealth (for the read model)', () => {
  it('is the weighted mean and the clamped components at an instant; null without health', () => {
    const ir = v2Playbook(`playbook: p
title: P
${CUSTOMER}events: { usage: { u: number } }
health:
  components:
    - id: use
      weight: 3
      score: latest(usage.u) * 10
    - id: other
      weight: 1
      score: latest(usage.u) - 100
milestones: []
`);
    const contract = { start: at('2026-01-01'), end: at('2026-02-01') };
    let s = startJourney(ir, { customer: { id: 'c1', attrs: ATTRS }, contract, enrolledAt: contract.start });
    s = receiveEvents(ir, s, [ev('2026-01-05', 'usage', { u: 20 })]);
    expect(journeyHealth(ir, s, at('2026-01-04'))).toEqual({ value: null, components: { use: null, other: null } });
    // use: clamp(200) = 100, other: clamp(-80) = 0: (3 * 100 + 0) / 4 = 75.
    expect(journeyHealth(ir, s, at('2026-01-06'))).toEqual({ value: 75, components: { use: 100, other: 0 } });
    const none = v2Playbook(`playbook: p\ntitle: P\n${CUSTOMER}events: {}\nmilestones: []\n`);
    expect(journeyHealth(none, startJourney(none, { customer: { id: 'c1', attrs: ATTRS }, contract, enrolledAt: contract.start }), contract.start)).toBeNull();
  });
});

describe('explain in version 2', () => {
  it('says why a task closed, why a task is overdue, and why an overdue action fired', async () => {
    const { explain } = await import('../../workflows/engine/index.ts');
    const ir = v2Playbook(`playbook: p
title: P
${CUSTOMER}events: { done: {} }
milestones:
  - id: m
    title: M
    due: day 10
    done_when: happened(done)
    steps:
      - at: day 1
        open_task: "First"
        due_in: 2 days
      - at: day 2
        open_task: "Second"
        due_in: 1 day
`, (x) => {
      const second = stepAction(x, 'm', 1);
      if (second.kind === 'open_task') second.overdue = [{ kind: 'escalate', to: 'manager', message: text('late') }];
    });
    // First opens Jan 2, Second Jan 3 (due Jan 4); m completes Jan 3 12:00 and closes both, Second before its due instant.
    const { state } = run(ir, { start: '2026-01-01', end: '2026-02-01', attrs: ATTRS }, [ev('2026-01-03T12:00:00Z', 'done')]);
    const first = explain(ir, state, 'milestone/m/step/0@2026-01-02T00:00:00.000Z');
    expect(first.kind).toBe('task');
    expect(first.summary).toBe('closed at 2026-01-03T12:00:00.000Z: milestone_completed — the milestone it belongs to completed');
    const second = explain(ir, state, 'milestone/m/step/1@2026-01-03T00:00:00.000Z');
    expect(second.summary).toMatch(/^closed at 2026-01-03T12:00:00.000Z: milestone_completed/);
    expect(second.notes.join('\n')).toContain('no overdue action fired: it closed at 2026-01-03T12:00:00.000Z, not after its due instant');
    const open = run(ir, { start: '2026-01-01', end: '2026-02-01', attrs: ATTRS }, [], { until: '2026-01-05' });
    expect(explain(ir, open.state, 'milestone/m/step/1@2026-01-03T00:00:00.000Z').summary).toBe('overdue since 2026-01-04T00:00:00.000Z: still open');
    expect(explain(ir, open.state, 'milestone/m/step/1/overdue/0').summary).toBe('fired 1 time(s), first at 2026-01-04T00:00:00.000Z: a task of milestone/m/step/1 was still open at its due instant');
  });
});
