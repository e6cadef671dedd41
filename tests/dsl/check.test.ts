import { describe, expect, it } from 'vitest';
import { compilePlaybook, templatesFrom } from '../../dsl/index.ts';
import type { DiagnosticCode } from '../../dsl/index.ts';
import { compileRule, lineColOf, milestoneSource, pos, where, HEADER } from './helpers.ts';

/** `line:col` of `needle` inside the probe rule (after `when:`), computed from the text. */
function inRule(source: string, needle: string): string {
  const base = source.indexOf('when: "');
  // The rule sits in a double-quoted YAML scalar, where `"` is written `\"`.
  const at = source.indexOf(JSON.stringify(needle).slice(1, -1), base);
  if (at < 0) throw new Error(`test setup: ${needle} not in rule`);
  const { line, col } = lineColOf(source.slice(0, at) + '\u0000', '\u0000');
  return `${line}:${col}`;
}

describe('type checker', () => {
  it.each<[string, DiagnosticCode, string, string]>([
    // rule, code, the token the error must point at, a word of the message
    ['customer.arr > "3"', 'RULE_TYPE_MISMATCH', '>', 'cannot compare a number'],
    ['customer.tier == 3', 'RULE_TYPE_MISMATCH', '==', 'cannot compare'],
    ['customer.signed_at < 3', 'RULE_TYPE_MISMATCH', '<', 'a date'],
    ['customer.tier == "vipp"', 'UNKNOWN_ENUM_MEMBER', '"vipp"', 'did you mean `"vip"`'],
    ['customer.tier in ["vip", "gold"]', 'UNKNOWN_ENUM_MEMBER', '"gold"', 'is not one of'],
    ['count(complaint where channel == "fax") > 0', 'UNKNOWN_ENUM_MEMBER', '"fax"', '"phone", "email"'],
    ['customer.arr == null', 'RULE_TYPE_MISMATCH', '==', 'is null'],
    ['customer.arr', 'RULE_TYPE_MISMATCH', 'customer.arr', 'must be a condition'],
    ['customer.arr + "x" > 1', 'RULE_TYPE_MISMATCH', '"x"', 'needs a number'],
    ['not customer.arr', 'RULE_TYPE_MISMATCH', 'customer.arr', 'needs a true/false'],
    ['customer.arr > 1 and 3', 'RULE_TYPE_MISMATCH', '3', '`and`'],
    ['"a" < "b"', 'RULE_TYPE_MISMATCH', '<', 'numbers and dates only'],
    ['customer.arr in [1, "x"]', 'RULE_TYPE_MISMATCH', '"x"', 'list item'],
    ['customer.arr in 3', 'RULE_TYPE_MISMATCH', '3', 'list literal'],
    ['customer.ar > 1', 'UNKNOWN_ATTRIBUTE', 'ar >', 'did you mean `customer.arr`'],
    ['contract.ends > start', 'UNKNOWN_ATTRIBUTE', 'ends', 'contract.end'],
    ['happened(activate)', 'UNKNOWN_EVENT', 'activate)', 'did you mean `activated`'],
    ['sum(usage.minute) > 1', 'UNKNOWN_FIELD', 'minute)', 'did you mean `minutes`'],
    ['count(usage where minute > 1) > 0', 'UNKNOWN_FIELD', 'minute >', 'did you mean `minutes`'],
    ['count(usage where arr > 1) > 0', 'UNKNOWN_FIELD', 'arr >', 'customer.arr'],
    ['cnt(usage) > 1', 'UNKNOWN_FUNCTION', 'cnt', 'did you mean `count`'],
    ['health.suport > 1', 'UNKNOWN_HEALTH_COMPONENT', 'suport', 'did you mean `health.support`'],
    ['arr > 1', 'UNKNOWN_NAME', 'arr', 'customer.arr'],
    ['activated', 'NOT_ALLOWED_HERE', 'activated', 'happened(activated)'],
    ['now > start', 'NOT_ALLOWED_HERE', 'now', 'days_since'],
    ['days_since(opens) > 1', 'NOT_ALLOWED_HERE', 'opens', 'inside a milestone'],
    ['count(usage within 3) > 1', 'NOT_A_DURATION', '3)', 'add a unit'],
    ['count(usage within month 3) > 1', 'NOT_A_DURATION', 'month 3', 'expected a duration'],
    ['count(usage since 3 days) > 1', 'NOT_AN_INSTANT', '3 days', 'expected a time'],
    ['customer.signed_at < customer.arr + 3 days', 'NOT_AN_INSTANT', 'customer.arr', 'expected a time'],
    ['customer.arr > 2 days', 'NOT_ALLOWED_HERE', '2 days', 'not a value'],
    ['count(usage.minutes) > 1', 'WRONG_ARGUMENTS', 'minutes)', 'drop `.minutes`'],
    ['sum(usage) > 1', 'WRONG_ARGUMENTS', 'usage)', 'needs a number field'],
    ['sum(usage.source) > 1', 'RULE_TYPE_MISMATCH', 'source)', 'needs a number field'],
    ['latest(usage) > 1', 'WRONG_ARGUMENTS', 'usage)', 'latest(usage.'],
    ['clamp(customer.arr, 1) > 1', 'WRONG_ARGUMENTS', 'clamp', 'takes 3 arguments'],
    ['abs(customer.arr where x) > 1', 'NOT_ALLOWED_HERE', 'x)', 'event queries'],
    ['count(customer.arr) > 1', 'WRONG_ARGUMENTS', 'customer.arr', 'takes an event'],
    ['count(usage where count(usage) > 1) > 1', 'NOT_ALLOWED_HERE', 'count(usage) > 1)', 'inside `where`'],
    ['[1, 2]', 'NOT_ALLOWED_HERE', '[1', 'can only follow `in`'],
    ['customer.tier == vip', 'UNKNOWN_NAME', 'vip', 'write it in double quotes, "vip"'],
    ['growth != customer.tier', 'UNKNOWN_NAME', 'growth', 'write it in double quotes, "growth"'],
    ['customer.tier in ["vip", stable]', 'UNKNOWN_NAME', 'stable', 'double quotes'],
    ['count(complaint where channel == phone) > 1', 'UNKNOWN_NAME', 'phone', 'double quotes'],
    ['happened(activated since 2026-03-01)', 'NOT_AN_INSTANT', '2026-03-01', 'is a calendar date'],
    ['count(usage where minutes > 1 and contract.end > start) > 0', 'NOT_ALLOWED_HERE', 'contract.end', 'only the event\'s fields'],
    ['count(usage where month 3 > start) > 0', 'NOT_ALLOWED_HERE', 'month 3', 'use `within` or `since`'],
  ])('%s -> %s at its token', (rule, code, token, message) => {
    const r = compileRule(rule);
    expect(r.ir).toBeUndefined();
    const d = r.diagnostics.find((x) => x.code === code);
    expect(d, JSON.stringify(r.diagnostics.map((x) => x.message))).toBeDefined();
    expect(pos(d!)).toBe(inRule(r.source, token));
    expect(d!.message).toContain(message);
  });

  it.each([
    'customer.tier != "stable" and customer.arr >= 1000',
    'customer.tier in ["vip", "growth"]',
    'customer.active and not customer.active == false',
    'customer.signed_at < month 3',
    'customer.signed_at >= contract.start and customer.signed_at < contract.end - 30 days',
    'customer.name is not null',
    'latest(usage.source) == "app"',
    'latest(complaint.channel) == "phone"',
    'avg(usage.minutes within 2 weeks) > 10 or min(usage.minutes) < 1 or max(usage.active_users) > 3',
    'days_since(usage where source == "app") >= 14',
    'days_since(month 1) > 0',
    'happened(activated since month 1 + 2 weeks)',
    'health < 40 or health.usage < 10',
    'round(abs(-customer.arr / 3)) > max(1, 2)',
    'latest(usage.minutes) is null',
  ])('accepts %s', (rule) => {
    const r = compileRule(rule);
    expect(r.diagnostics).toEqual([]);
    expect(r.ir?.risks[0]?.when.type).toBe('boolean');
  });

  it('infers a number for health scores and rejects a condition there', () => {
    const source = HEADER.replace('score: clamp(latest(usage.active_users) * 10, 0, 100)', 'score: latest(usage.active_users) > 3');
    const r = compilePlaybook(source, 'h.yaml');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['RULE_TYPE_MISMATCH']);
    expect(pos(r.diagnostics[0]!)).toBe(where(source, 'latest(usage.active_users) > 3'));
  });

  it('refuses a health score that reads health', () => {
    const source = HEADER.replace('score: clamp(latest(usage.active_users) * 10, 0, 100)', 'score: health.support');
    const r = compilePlaybook(source, 'h.yaml');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['NOT_ALLOWED_HERE']);
  });

  it('allows opens and due inside a milestone, with since opens tied to the milestone', () => {
    const source = milestoneSource(`due: opens + 30 days
done_when: happened(activated since opens) and days_since(due) < 3
steps:
  - at: due - 7 days
    remind: owner
    template: x`);
    const r = compilePlaybook(source, 'm.yaml', { templates: templatesFrom({ x: 'Due {{milestone.due}}' }) });
    expect(r.diagnostics).toEqual([]);
    const m = r.ir!.milestones[0]!;
    expect(m.due).toEqual({ anchor: 'opens', terms: [{ sign: 1, duration: { amount: 30, unit: 'day' } }], source: 'opens + 30 days' });
    expect(r.ir!.queries.find((q) => q.event === 'activated')).toMatchObject({ milestone: 'probe', window: { kind: 'since', time: { anchor: 'opens' } } });
    expect(m.steps[0]!.action).toEqual({ kind: 'remind', to: 'csm', template: 'x', message: null, channel: 'email' });
  });

  // opens/due written from each other, and the cycles refused: milestone-anchors.test.ts.

  it('requires time expressions where instants are expected', () => {
    const source = milestoneSource('due: 30 days\ndone_when: true\nsteps:\n  - at: customer.signed_at\n    escalate: manager');
    const r = compilePlaybook(source, 'm.yaml');
    expect(r.diagnostics.map((d) => [d.code, pos(d)])).toEqual([
      ['NOT_AN_INSTANT', `${lineColOf(source, 'due: 30 days').line}:${lineColOf(source, 'due: 30 days').col + 'due: '.length}`],
      ['NOT_AN_INSTANT', `${lineColOf(source, 'customer.signed_at', 1).line}:${lineColOf(source, 'customer.signed_at').col}`],
    ]);
  });

  it('checks roles: owner only inside milestones, other roles are customer attributes', () => {
    const source = `${HEADER}milestones:
  - id: m
    title: M
    due: month 1
    done_when: true
    owner: manager
    steps:
      - at: due
        open_task: "x"
        assignee: owner
      - at: due
        escalate: boss
      - at: due
        escalate: arr
risks:
  - id: r
    title: R
    level: low
    when: health < 1
    actions:
      - remind: owner
        message: hi
`;
    const r = compilePlaybook(source, 'r.yaml');
    expect(r.diagnostics.map((d) => [d.code, pos(d)])).toEqual([
      ['UNKNOWN_ROLE', where(source, 'boss')],
      ['UNKNOWN_ROLE', `${lineColOf(source, 'escalate: arr').line}:${lineColOf(source, 'escalate: arr').col + 'escalate: '.length}`],
      ['NOT_ALLOWED_HERE', where(source, 'owner', 3)],
    ]);
  });

  it('resolves owner to the milestone owner and fills action defaults', () => {
    const source = milestoneSource('due: month 1\ndone_when: true\nowner: manager\nsteps:\n  - at: due\n    open_task: "Call {{customer.name}}"\n    assignee: owner\n  - at: due\n    remind: owner\n    message: "{{milestone.title}} by {{milestone.due}}"');
    const r = compilePlaybook(source, 'm.yaml');
    expect(r.diagnostics).toEqual([]);
    const [task, remind] = r.ir!.milestones[0]!.steps.map((s) => s.action);
    expect(task).toEqual({ kind: 'open_task', title: { source: 'Call {{customer.name}}', parts: ['Call ', { kind: 'customer', attr: 'name' }] }, assignee: 'manager', dueIn: { amount: 7, unit: 'day' }, priority: 'normal' });
    expect(remind).toMatchObject({ kind: 'remind', to: 'manager', channel: 'email', message: { parts: [{ kind: 'milestone_title' }, ' by ', { kind: 'milestone_due' }] } });
  });

  it('checks template placeholders per reference §8', () => {
    const source = `${HEADER}milestones:
  - id: m
    title: M
    due: month 1
    done_when: true
    on_done:
      - remind: csm
        message: "{{customer.nme}} {{event.severity}} {{health}}"
risks:
  - id: r
    title: R
    level: low
    when: health < 1
    actions:
      - escalate: csm
        message: "{{milestone.title}} {{ customer.name }}"
triggers:
  - id: t
    on: complaint where severity >= 2
    actions:
      - open_task: "{{event.severity}} {{event.sevrity}} {{customer.tier}"
`;
    const r = compilePlaybook(source, 't.yaml');
    const at = (needle: string) => where(source, needle);
    expect(r.diagnostics.map((d) => [d.code, pos(d)])).toEqual([
      ['UNKNOWN_PLACEHOLDER', at('customer.nme')],
      ['UNKNOWN_PLACEHOLDER', at('event.severity')],
      ['UNKNOWN_PLACEHOLDER', at('milestone.title}} {{ customer')],
      ['UNKNOWN_PLACEHOLDER', at('event.sevrity')],
      ['TEMPLATE_SYNTAX', at('{{customer.tier}')],
    ]);
    expect(r.diagnostics[0]!.message).toContain('did you mean `customer.name`');
    expect(r.diagnostics[3]!.message).toContain('did you mean `event.severity`');
  });

  it('records fields read by trigger templates in retention', () => {
    const source = `${HEADER}triggers:
  - id: t
    on: complaint where severity >= 2
    actions:
      - open_task: "{{event.channel}}"
`;
    const r = compilePlaybook(source, 't.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.ir!.retention['complaint']).toEqual({ window: null, fields: ['channel', 'severity'] });
    expect(r.ir!.triggers[0]).toMatchObject({ id: 't', on: r.ir!.queries.findIndex((q) => q.event === 'complaint') });
  });

  it('uses the longest within window per event type, comparing calendar units at their longest', () => {
    const r = compileRule('count(usage within 30 days) > count(usage within 1 month) or count(usage within 2 weeks) > 0');
    expect(r.ir!.retention['usage']!.window).toEqual({ amount: 1, unit: 'month' });
    expect(r.ir!.retention['activated']).toEqual({ window: null, fields: [] });
  });
});

describe('milestone time order', () => {
  const warnings = (lines: string) => compilePlaybook(milestoneSource(lines), 'o.yaml').diagnostics.filter((d) => d.severity === 'warning').map((d) => d.code);

  it('warns only when a step is before opens for every possible contract', () => {
    // 9 months - 6 months is 3 months: before month 4 whatever the month lengths.
    expect(warnings('opens: month 4\ndue: month 9\ndone_when: true\nsteps:\n  - at: due - 6 months\n    escalate: manager')).toEqual(['STEP_NEVER_FIRES']);
    // due - 5 months is month 4 exactly: it fires at the opening instant.
    expect(warnings('opens: month 4\ndue: month 9\ndone_when: true\nsteps:\n  - at: due - 5 months\n    escalate: manager')).toEqual([]);
    expect(warnings('opens: month 1\ndue: opens + 30 days\ndone_when: true\nsteps:\n  - at: opens - 1 hour\n    escalate: manager')).toEqual(['STEP_NEVER_FIRES']);
    // 1 month minus 29 days may be negative (February) or positive: not certain, no warning.
    expect(warnings('opens: month 1\ndue: month 2\ndone_when: true\nsteps:\n  - at: due - 1 month - 29 days + 1 month\n    escalate: manager')).toEqual([]);
    expect(warnings('opens: month 1\ndue: month 2\ndone_when: true\nsteps:\n  - at: opens + 1 month - 32 days\n    escalate: manager')).toEqual(['STEP_NEVER_FIRES']);
  });

  it('does not compare instants on unrelated anchors', () => {
    expect(warnings('opens: contract.end - 3 months\ndue: contract.end\ndone_when: true\nsteps:\n  - at: month 1\n    escalate: manager')).toEqual([]);
  });

  it('warns about a due before opens', () => {
    expect(warnings('opens: month 4\ndue: month 3\ndone_when: true')).toEqual(['DUE_BEFORE_OPENS']);
  });
});
