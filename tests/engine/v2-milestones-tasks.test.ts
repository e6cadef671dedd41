/**
 * Language version 2 in the engine (reference §5, §5.1, §5.2, §10, §12): closes,
 * the default close of repeating instances, tasks and their close reasons,
 * overdue ladders and closes by people. Every expectation is worked out by
 * hand from SPEC (the reasoning beside it), never copied from the engine.
 */
import { describe, expect, it } from 'vitest';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { ev } from './support.ts';
import { days, iso, milestone, rule, run, stepAction, text, v2Playbook } from './v2-support.ts';

const CUSTOMER = 'customer: { csm: string, manager: string, name: string, tier: string }\n';
const ATTRS = { csm: 'ada@example.com', manager: 'max@example.com', name: 'Acme', tier: 'growth' };

describe('closes (reference §5, §10 steps 3, 5, 6)', () => {
  // due = day 10 = Jan 11; closes = due + 5 days = Jan 16; steps at due (0) and at closes (1).
  const yaml = `playbook: p
title: P
${CUSTOMER}events: { done: {} }
milestones:
  - id: m
    title: M
    due: day 10
    done_when: happened(done)
    steps:
      - at: due
        remind: csm
        message: due
      - at: due + 5 days
        remind: csm
        message: closing
`;
  const closes = (ir: PlaybookIR) => {
    milestone(ir, 'm').closes = { anchor: 'due', terms: [{ sign: 1, duration: days(5) }], source: 'due + 5 days' };
  };
  const term = { start: '2026-01-01', end: '2026-03-01', attrs: ATTRS };
  const stepDue = { at: iso('2026-01-11'), kind: 'remind', source: 'milestone/m/step/0', to: 'csm', message: 'due' };

  it('a completion at exactly closes completes (step 3 before step 5), and the step at closes does not fire', () => {
    const { report } = run(v2Playbook(yaml, closes), term, [ev('2026-01-16', 'done')]);
    expect(report.milestones).toEqual([{ id: 'm', state: 'late', opens_at: iso('2026-01-01'), due_at: iso('2026-01-11'), completed_at: iso('2026-01-16') }]);
    expect(report.actions).toEqual([stepDue]);
  });

  it('not completed by closes: missed at closes; a step at exactly closes does not fire; a later event changes nothing', () => {
    const ir = v2Playbook(yaml, closes);
    const { report, advance } = run(ir, term, [ev('2026-01-20', 'done')]);
    expect(report.milestones[0]).toEqual({ id: 'm', state: 'missed', opens_at: iso('2026-01-01'), due_at: iso('2026-01-11'), completed_at: null });
    expect(report.actions).toEqual([stepDue]);
    expect(advance.transitions.filter((t) => t.kind === 'milestone').map((t) => [new Date(t.at).toISOString(), t.kind === 'milestone' && t.to]))
      .toEqual([[iso('2026-01-01'), 'open'], [iso('2026-01-11'), 'overdue'], [iso('2026-01-16'), 'missed']]);
    // Just before closes it is still overdue.
    expect(run(ir, term, [], { until: '2026-01-15T23:59:59.999Z' }).report.milestones[0]!.state).toBe('overdue');
  });

  it('a version-1 IR ignores closes: the step fires and a later event completes it late', () => {
    const ir = v2Playbook(yaml, closes);
    delete ir.language;
    const { report } = run(ir, term, [ev('2026-01-20', 'done')]);
    expect(report.milestones[0]!.state).toBe('late');
    expect(report.actions.map((a) => a.source)).toEqual(['milestone/m/step/0', 'milestone/m/step/1']);
    expect(Object.keys(report)).toEqual(['playbook', 'customer', 'until', 'outcome', 'milestones', 'actions', 'risks']);
  });
});

describe('the default close of repeating instances (reference §5.1)', () => {
  // q#k opens Jan 1 / Feb 1 / Mar 1, due opens + 20 days, closes at the next opens (q#3: contract.end, the term).
  // A step at opens + 1 day opens a task, closed with its instance.
  const yaml = `playbook: p
title: P
${CUSTOMER}events: { call: {} }
milestones:
  - id: q
    title: Q
    repeat: every 1 month
    due: opens + 20 days
    done_when: happened(call since opens)
    steps:
      - at: opens + 1 day
        open_task: "Book {{milestone.title}}"
        due_in: 2 days
`;
  const term = { start: '2026-01-01', end: '2026-04-01', attrs: ATTRS };
  const m = (id: string, state: string, opens: string, due: string, completed: string | null) =>
    ({ id, state, opens_at: iso(opens), due_at: iso(due), completed_at: completed === null ? null : iso(completed) });

  it('a review held in February counts for February only: January is missed at Feb 1', () => {
    const { report } = run(v2Playbook(yaml), term, [ev('2026-02-10', 'call')]);
    expect(report.milestones).toEqual([
      m('q#1', 'missed', '2026-01-01', '2026-01-21', null),
      m('q#2', 'done', '2026-02-01', '2026-02-21', '2026-02-10'),
      m('q#3', 'missed', '2026-03-01', '2026-03-21', null),
    ]);
    // Each instance's task: q#1 missed at Feb 1, q#2 completed Feb 10, q#3 open when the term closed.
    expect(report.tasks!.map((t) => [t.id, t.closed_at, t.closed_because])).toEqual([
      ['milestone/q#1/step/0@2026-01-02T00:00:00.000Z', iso('2026-02-01'), 'milestone_missed'],
      ['milestone/q#2/step/0@2026-02-02T00:00:00.000Z', iso('2026-02-10'), 'milestone_completed'],
      ['milestone/q#3/step/0@2026-03-02T00:00:00.000Z', iso('2026-04-01'), 'term_closed'],
    ]);
  });

  it('an event at exactly the next opens: both instances are open at step 3, so both complete (reference §10 order)', () => {
    const { report } = run(v2Playbook(yaml), term, [ev('2026-03-01', 'call')]);
    expect(report.milestones.map((x) => [x.id, x.state, x.completed_at])).toEqual([
      ['q#1', 'missed', null], ['q#2', 'late', iso('2026-03-01')], ['q#3', 'done', iso('2026-03-01')],
    ]);
  });

  it('version 1 closes nothing before the term: one call completes January (late) and February', () => {
    const ir = v2Playbook(yaml);
    delete ir.language;
    const { report } = run(ir, term, [ev('2026-02-10', 'call')]);
    expect(report.milestones.map((x) => [x.id, x.state])).toEqual([['q#1', 'late'], ['q#2', 'done'], ['q#3', 'missed']]);
  });
});

describe('tasks and their close reasons (reference §5.2, §12)', () => {
  // start Jan 1. Steps at day 2 (Jan 3, Kickoff, due Jan 6) and day 3 (Jan 4, Sticky, auto_close false, due Jan 5).
  const yaml = `playbook: p
title: P
${CUSTOMER}events: { done: {}, ping: { v: number }, complaint: { severity: number } }
milestones:
  - id: onboard
    title: Onboard
    due: day 10
    done_when: happened(done)
    steps:
      - at: day 2
        open_task: "Kickoff {{customer.name}}"
        due_in: 3 days
      - at: day 3
        open_task: "Sticky"
        due_in: 1 day
        priority: high
    on_done:
      - open_task: "Thank"
        due_in: 30 days
risks:
  - id: quiet
    title: Quiet
    level: low
    when: latest(ping.v) < 5
    actions:
      - open_task: "Call"
        due_in: 10 days
triggers:
  - id: complaint
    on: complaint
    actions:
      - open_task: "Resolve"
        assignee: manager
        due_in: 1 day
`;
  const patch = (ir: PlaybookIR) => {
    const sticky = stepAction(ir, 'onboard', 1);
    if (sticky.kind === 'open_task') sticky.autoClose = false;
  };
  const term = { start: '2026-01-01', end: '2026-02-01', attrs: ATTRS };
  const events = [ev('2026-01-02T12:00:00Z', 'ping', { v: 1 }), ev('2026-01-05T06:00:00Z', 'done'), ev('2026-01-08', 'ping', { v: 9 }), ev('2026-01-20', 'complaint', { severity: 2 })];
  const closes = [{ task: 'trigger/complaint/0@2026-01-20T00:00:00.000Z', at: '2026-01-20T10:00:00Z', by: 'ada@example.com', note: 'called back' }];
  const task = (id: string, source: string, title: string, to: string, priority: string, opened: string, due: string, closed: string | null, because: string | null) =>
    ({ id, source, title, to, priority, opened_at: iso(opened), due_at: iso(due), closed_at: closed === null ? null : iso(closed), closed_because: because });

  it('every reason: risk_cleared, milestone_completed, auto_close false, on_done, done by a person, term_closed', () => {
    const { report, advance } = run(v2Playbook(yaml, patch), term, events, { closes });
    expect(report.tasks).toEqual([
      task('risk/quiet/0@2026-01-02T12:00:00.000Z', 'risk/quiet/0', 'Call', 'csm', 'normal', '2026-01-02T12:00:00Z', '2026-01-12T12:00:00Z', '2026-01-08', 'risk_cleared'),
      task('milestone/onboard/step/0@2026-01-03T00:00:00.000Z', 'milestone/onboard/step/0', 'Kickoff Acme', 'csm', 'normal', '2026-01-03', '2026-01-06', '2026-01-05T06:00:00Z', 'milestone_completed'),
      task('milestone/onboard/step/1@2026-01-04T00:00:00.000Z', 'milestone/onboard/step/1', 'Sticky', 'csm', 'high', '2026-01-04', '2026-01-05', '2026-02-01', 'term_closed'),
      task('milestone/onboard/on_done/0@2026-01-05T06:00:00.000Z', 'milestone/onboard/on_done/0', 'Thank', 'csm', 'normal', '2026-01-05T06:00:00Z', '2026-02-04T06:00:00Z', '2026-02-01', 'term_closed'),
      task('trigger/complaint/0@2026-01-20T00:00:00.000Z', 'trigger/complaint/0', 'Resolve', 'manager', 'normal', '2026-01-20', '2026-01-21', '2026-01-20T10:00:00Z', 'done'),
    ]);
    expect(Object.keys(report)).toEqual(['playbook', 'customer', 'until', 'outcome', 'milestones', 'actions', 'risks', 'tasks', 'opportunities', 'next_term']);
    // The ledger's transitions: opened / closed with the reason, a person's close with who and why.
    const tasks = advance.transitions.filter((t) => t.kind === 'task');
    expect(tasks.find((t) => t.kind === 'task' && t.reason === 'done')).toEqual({
      at: Date.parse('2026-01-20T10:00:00Z'), kind: 'task', task: 'trigger/complaint/0@2026-01-20T00:00:00.000Z', change: 'closed', reason: 'done', by: 'ada@example.com', note: 'called back',
    });
    expect(tasks.filter((t) => t.kind === 'task' && t.change === 'opened')).toHaveLength(5);
    // Fired open_task actions carry their task id.
    expect(advance.fired.filter((a) => a.kind === 'open_task').map((a) => a.taskId)).toEqual(report.tasks!.map((t) => t.id));
  });

  it('as of an earlier instant: tasks not opened yet are left out, later closes read as open', () => {
    const { report } = run(v2Playbook(yaml, patch), term, events, { closes, until: '2026-01-04' });
    expect(report.tasks!.map((t) => [t.id, t.closed_because])).toEqual([
      ['risk/quiet/0@2026-01-02T12:00:00.000Z', null],
      ['milestone/onboard/step/0@2026-01-03T00:00:00.000Z', null],
      ['milestone/onboard/step/1@2026-01-04T00:00:00.000Z', null],
    ]);
  });

  it('a person closing a task already closed, or naming no open task, changes nothing', () => {
    const again = [...closes, { task: 'risk/quiet/0@2026-01-02T12:00:00.000Z', at: '2026-01-09', by: 'bob' }, { task: 'nope', at: '2026-01-09', by: 'bob' }];
    const { report } = run(v2Playbook(yaml, patch), term, events, { closes: again });
    expect(report.tasks![0]!.closed_because).toBe('risk_cleared');
    expect(report.tasks![0]!.closed_at).toBe(iso('2026-01-08'));
  });
});

describe('overdue ladders (reference §5.2, §10 step 8)', () => {
  // Resolve (due 24 hours after the complaint); overdue: an escalation, a VIP-only reminder (`when` false
  // for a growth customer: not listed), and a follow-up task due a day later with its own escalation.
  const yaml = `playbook: p
title: P
${CUSTOMER}events: { complaint: { severity: number } }
milestones:
  - id: x_vip
    title: aux
    due: day 1
    done_when: customer.tier == "vip"
triggers:
  - id: complaint
    on: complaint
    actions:
      - open_task: "Resolve {{event.severity}}"
        due_in: 24 hours
`;
  const patch = (ir: PlaybookIR) => {
    const vip = rule(ir, 'vip');
    const resolve = ir.triggers[0]!.actions[0]!;
    if (resolve.kind !== 'open_task') throw new Error('open_task expected');
    resolve.overdue = [
      { kind: 'escalate', to: 'manager', message: { source: '', parts: [{ kind: 'task_title' }, ' still open, due ', { kind: 'task_due' }, ' (severity ', { kind: 'event', field: 'severity' }, ')'] } },
      { kind: 'remind', to: 'csm', template: null, message: text('vip'), channel: 'email', when: vip },
      { kind: 'open_task', title: text('Escalated'), assignee: 'manager', dueIn: days(1), priority: 'urgent', overdue: [{ kind: 'escalate', to: 'manager', message: text('second') }] },
    ];
  };
  const term = { start: '2026-01-01', end: '2026-03-01', attrs: ATTRS };
  const events = [ev('2026-01-05', 'complaint', { severity: 2 }), ev('2026-01-10', 'complaint', { severity: 1 }), ev('2026-01-20', 'complaint', { severity: 3 })];
  // Closed before its due instant, and at exactly its due instant (step 1 before step 8: not overdue).
  const closes = [
    { task: 'trigger/complaint/0@2026-01-10T00:00:00.000Z', at: '2026-01-10T12:00:00Z', by: 'ada' },
    { task: 'trigger/complaint/0@2026-01-20T00:00:00.000Z', at: '2026-01-21', by: 'ada' },
  ];

  it('fires at due_at only for tasks still open, renders task and event placeholders, skips a false when', () => {
    const { report } = run(v2Playbook(yaml, patch), term, events, { closes });
    expect(report.actions).toEqual([
      { at: iso('2026-01-05'), kind: 'open_task', source: 'trigger/complaint/0', to: 'csm', title: 'Resolve 2', priority: 'normal', due_at: iso('2026-01-06') },
      { at: iso('2026-01-06'), kind: 'escalate', source: 'trigger/complaint/0/overdue/0', to: 'manager', message: 'Resolve 2 still open, due 2026-01-06 (severity 2)' },
      { at: iso('2026-01-06'), kind: 'open_task', source: 'trigger/complaint/0/overdue/2', to: 'manager', title: 'Escalated', priority: 'urgent', due_at: iso('2026-01-07') },
      { at: iso('2026-01-07'), kind: 'escalate', source: 'trigger/complaint/0/overdue/2/overdue/0', to: 'manager', message: 'second' },
      { at: iso('2026-01-10'), kind: 'open_task', source: 'trigger/complaint/0', to: 'csm', title: 'Resolve 1', priority: 'normal', due_at: iso('2026-01-11') },
      { at: iso('2026-01-20'), kind: 'open_task', source: 'trigger/complaint/0', to: 'csm', title: 'Resolve 3', priority: 'normal', due_at: iso('2026-01-21') },
    ]);
    expect(report.tasks!.map((t) => [t.title, t.closed_at, t.closed_because])).toEqual([
      ['Resolve 2', iso('2026-03-01'), 'term_closed'],
      ['Escalated', iso('2026-03-01'), 'term_closed'],
      ['Resolve 1', iso('2026-01-10T12:00:00Z'), 'done'],
      ['Resolve 3', iso('2026-01-21'), 'done'],
    ]);
  });

  it('a VIP gets the reminder: when is judged at the due instant', () => {
    const { report } = run(v2Playbook(yaml, patch), { ...term, attrs: { ...ATTRS, tier: 'vip' } }, events.slice(0, 1));
    expect(report.actions.map((a) => a.source)).toEqual([
      'trigger/complaint/0', 'trigger/complaint/0/overdue/0', 'trigger/complaint/0/overdue/1', 'trigger/complaint/0/overdue/2', 'trigger/complaint/0/overdue/2/overdue/0',
    ]);
  });

  it('a close by a person after the due instant comes too late for the ladder', () => {
    const late = [{ task: 'trigger/complaint/0@2026-01-05T00:00:00.000Z', at: '2026-01-06T00:00:00.001Z', by: 'ada' }];
    const { report } = run(v2Playbook(yaml, patch), term, events.slice(0, 1), { closes: late });
    expect(report.actions.map((a) => a.source)).toContain('trigger/complaint/0/overdue/0');
    expect(report.tasks![0]!.closed_at).toBe('2026-01-06T00:00:00.001Z');
  });
});
