/**
 * Language version 2 in the compiler (SPEC "(v2)"): what each new key
 * compiles to, and the precise diagnostic for each misuse (code, position,
 * the words that say what was expected).
 */
import { describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
import type { DiagnosticCode } from '../../dsl/index.ts';
import type { Action, PlaybookIR } from '../../dsl/ir/schema.ts';
import { HEADER, milestoneSource, pos, where } from './helpers.ts';

function compiled(source: string): PlaybookIR {
  const r = compilePlaybook(source, 'v2.yaml');
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${pos(d)} ${d.message}`)).toEqual([]);
  return r.ir!;
}

/** The one diagnostic with `code`, checked to sit at `needle` and to say `words`. */
function expectDiagnostic(source: string, code: DiagnosticCode, needle: string, words: string, occurrence = 1): void {
  const r = compilePlaybook(source, 'v2.yaml');
  const d = r.diagnostics.find((x) => x.code === code);
  expect(d, JSON.stringify(r.diagnostics.map((x) => [x.code, pos(x), x.message]))).toBeDefined();
  expect(pos(d!)).toBe(where(source, needle, occurrence));
  expect(d!.message).toContain(words);
}

const risks = (yaml: string) => `${HEADER}${yaml}`;

describe('language version 2: the compiled IR', () => {
  it('records language 2, catch-up latest and no next term by default', () => {
    const ir = compiled(HEADER);
    expect(ir.language).toBe(2);
    expect(ir.catchUp).toBe('latest');
    expect(ir.renewalTerm).toBeNull();
    expect(ir.opportunities).toEqual([]);
  });

  it('compiles `closes` from `due`, also on a repeating milestone', () => {
    const ir = compiled(milestoneSource('due: month 1\ndone_when: happened(activated)\nrepeat: every 3 months\ncloses: due + 2 weeks'));
    expect(ir.milestones[0]!.closes).toEqual({ anchor: 'due', terms: [{ sign: 1, duration: { amount: 2, unit: 'week' } }], source: 'due + 2 weeks' });
    const none = compiled(milestoneSource('due: month 1\ndone_when: happened(activated)'));
    expect(none.milestones[0]!.closes).toBeNull();
  });

  it('compiles `when` on steps, on_done, risks, opportunities, triggers and overdue actions', () => {
    const ir = compiled(`${HEADER}milestones:
  - id: kickoff
    title: Kickoff
    due: month 1
    done_when: happened(activated)
    steps:
      - at: due
        when: customer.tier == "vip"
        escalate: manager
    on_done:
      - remind: manager
        message: done
        when: customer.arr > 1000
risks:
  - id: quiet
    title: Quiet
    level: low
    when: count(usage within 30 days) == 0
    actions:
      - escalate: manager
        when: customer.tier != "stable"
opportunities:
  - id: expand
    title: Ready to expand
    level: medium
    when: count_distinct(usage.source within 30 days) >= 3
    actions:
      - open_task: "Offer more seats to {{customer.name}}"
        when: customer.arr < 50000
triggers:
  - id: complaint
    on: complaint
    actions:
      - open_task: "Call {{customer.name}} about a {{event.channel}} complaint"
        when: event.severity >= 2 and event.channel == "phone"
        due_in: 1 day
        auto_close: false
        overdue:
          - escalate: manager
            message: "{{task.title}} was due {{task.due}}"
            when: event.severity >= 3
`);
    const when = (a: Action | undefined) => a?.when?.source;
    expect(when(ir.milestones[0]!.steps[0]!.action)).toBe('customer.tier == "vip"');
    expect(when(ir.milestones[0]!.onDone[0])).toBe('customer.arr > 1000');
    expect(when(ir.risks[0]!.actions[0])).toBe('customer.tier != "stable"');
    expect(ir.opportunities![0]!.id).toBe('expand');
    expect(when(ir.opportunities![0]!.actions[0])).toBe('customer.arr < 50000');
    const task = ir.triggers[0]!.actions[0]!;
    expect(task.kind).toBe('open_task');
    if (task.kind !== 'open_task') return;
    expect(task.autoClose).toBe(false);
    // `event.<field>` in a trigger's `when` reads the triggering event: a field reference.
    expect(JSON.stringify(task.when!.expr)).toContain('{"kind":"field","field":"severity"}');
    expect(JSON.stringify(task.when!.expr)).toContain('{"kind":"field","field":"channel"}');
    const overdue = task.overdue![0]!;
    expect(overdue.kind === 'escalate' && overdue.message?.parts).toEqual([{ kind: 'task_title' }, ' was due ', { kind: 'task_due' }]);
    expect(when(overdue)).toBe('event.severity >= 3');
    // Fields a trigger's `when` reads are retained for it, like template fields.
    expect(ir.retention['complaint']!.fields).toEqual(['channel', 'severity']);
    // A v2 key left out stays out of the IR: absent reads as "always" / the default.
    expect('when' in ir.milestones[0]!.steps[0]!.action).toBe(true);
    expect('autoClose' in ir.risks[0]!.actions[0]!).toBe(false);
  });

  it('compiles `from` on risks and opportunities', () => {
    const ir = compiled(risks(`risks:
  - { id: quiet, title: Quiet, level: low, when: "count(usage within 30 days) == 0", from: start + 30 days }
opportunities:
  - { id: expand, title: Expand, level: low, when: "health > 80", from: month 2 }
`));
    expect(ir.risks[0]!.from?.source).toBe('start + 30 days');
    expect(ir.opportunities![0]!.from).toEqual({ anchor: 'start', terms: [{ sign: 1, duration: { amount: 2, unit: 'month' } }], source: 'month 2' });
  });

  it('compiles count_distinct over a field, any type, to a number', () => {
    const ir = compiled(risks('risks:\n  - { id: few, title: Few, level: low, when: "count_distinct(usage.source within 30 days) < 3" }\n'));
    const expr = ir.risks[0]!.when.expr;
    expect(expr.k === 'binary' && expr.left).toMatchObject({ k: 'query', fn: 'count_distinct' });
    expect(ir.queries.find((q) => q.field === 'source')).toMatchObject({ event: 'usage', window: { kind: 'within' } });
  });

  it('compiles catch_up and renewal_term with their defaults', () => {
    const ir = compiled(`${HEADER}catch_up: none\nrenewal_term: { playbook: clinic-second-year }\n`);
    expect(ir.catchUp).toBe('none');
    expect(ir.renewalTerm).toEqual({ playbook: 'clinic-second-year', length: { amount: 12, unit: 'month' } });
    const own = compiled(`${HEADER}renewal_term:\n  length: 24 months\n`);
    expect(own.renewalTerm).toEqual({ playbook: null, length: { amount: 24, unit: 'month' } });
  });
});

describe('language version 2: misuses', () => {
  it.each<[string, string, DiagnosticCode, string, string]>([
    ['closes before due', milestoneSource('due: month 3\ndone_when: true\ncloses: due - 1 day'), 'CLOSES_BEFORE_DUE', 'due - 1 day', 'is before `due`'],
    ['closes from a calendar date', milestoneSource('due: month 3\ndone_when: true\ncloses: 2026-05-01'), 'NOT_AN_INSTANT', '2026-05-01', 'calendar date'],
    ['closes as a duration', milestoneSource('due: month 3\ndone_when: true\ncloses: 2 weeks'), 'NOT_AN_INSTANT', '2 weeks', 'expected a time'],
    ['a when that is not a condition', milestoneSource('due: month 3\ndone_when: true\nsteps:\n  - at: due\n    escalate: manager\n    when: customer.arr'), 'RULE_TYPE_MISMATCH', 'customer.arr', "an action's `when` must be a condition"],
    ['event.* outside a trigger', risks('risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    actions:\n      - escalate: manager\n        when: event.severity > 1\n'), 'NOT_ALLOWED_HERE', 'event.severity', "only be used in a trigger's actions"],
    ['an unknown event field in a trigger when', risks('triggers:\n  - id: t\n    on: complaint\n    actions:\n      - escalate: manager\n        when: event.severty > 1\n'), 'UNKNOWN_FIELD', 'severty', 'did you mean `event.severity`'],
    ['from that is not a time', risks('risks:\n  - { id: r, title: R, level: low, when: "health < 40", from: 30 days }\n'), 'NOT_AN_INSTANT', '30 days }', 'expected a time'],
    ['from using due outside a milestone', risks('risks:\n  - { id: r, title: R, level: low, when: "health < 40", from: due }\n'), 'NOT_ALLOWED_HERE', 'due }', 'inside a milestone'],
    ['a risk and an opportunity with one id', risks('risks:\n  - { id: r, title: R, level: low, when: "health < 40" }\nopportunities:\n  - { id: r, title: O, level: low, when: "health > 80" }\n'), 'DUPLICATE_ID', 'r, title: O', 'already has the id `r`'],
    ['count_distinct without a field', risks('risks:\n  - { id: r, title: R, level: low, when: "count_distinct(usage) > 1" }\n'), 'WRONG_ARGUMENTS', 'usage)', 'count_distinct(usage.active_users)'],
    ['task placeholders outside overdue', risks('risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    actions:\n      - escalate: manager\n        message: "{{task.title}}"\n'), 'UNKNOWN_PLACEHOLDER', 'task.title', '`overdue:` actions'],
    ['auto_close on an escalation', risks('risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    actions:\n      - escalate: manager\n        auto_close: false\n'), 'ACTION_FIELD_NOT_ALLOWED', 'auto_close', 'belongs to `open_task`'],
    ['overdue on a reminder', risks('risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    actions:\n      - remind: csm\n        message: hi\n        overdue: []\n'), 'ACTION_FIELD_NOT_ALLOWED', 'overdue', 'belongs to `open_task`'],
    ['auto_close that is not true or false', risks('risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    actions:\n      - open_task: Call\n        auto_close: sometimes\n'), 'WRONG_SHAPE', 'sometimes', 'true or false'],
    ['an overdue action with no verb', risks('risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    actions:\n      - open_task: Call\n        overdue:\n          - message: hi\n'), 'UNKNOWN_ACTION', 'message: hi', 'has no verb'],
    ['catch_up misspelt', `${HEADER}catch_up: lates\n`, 'INVALID_VALUE', 'lates\n', 'did you mean `latest`'],
    ['renewal_term with a bad playbook id', `${HEADER}renewal_term: { playbook: Second_Year }\n`, 'INVALID_ID', 'Second_Year', 'playbook id'],
    ['renewal_term with a length of 0', `${HEADER}renewal_term: { length: 0 months }\n`, 'NOT_A_DURATION', '0 months', 'cannot last 0'],
    ['renewal_term with a length that is a time', `${HEADER}renewal_term: { length: month 12 }\n`, 'NOT_A_DURATION', 'month 12', '`month 12` is an instant, a length is `12 months`'],
    ['renewal_term with an unknown key', `${HEADER}renewal_term: { lenght: 12 months }\n`, 'UNKNOWN_KEY', 'lenght', 'did you mean `length`'],
  ])('%s', (_name, source, code, needle, words) => {
    expectDiagnostic(source, code, needle, words);
  });

  it('warns when closes may fall before due for some contracts, and still compiles', () => {
    const source = milestoneSource('due: month 1\ndone_when: true\ncloses: day 29');
    const r = compilePlaybook(source, 'v2.yaml');
    expect(r.ir).toBeDefined();
    expect(r.diagnostics.map((d) => [d.code, d.severity, pos(d)])).toEqual([['CLOSES_MAY_PRECEDE_DUE', 'warning', where(source, 'day 29')]]);
  });

  it('accepts closes exactly at due', () => {
    expect(compiled(milestoneSource('due: month 1\ndone_when: true\ncloses: due')).milestones[0]!.closes?.anchor).toBe('due');
  });
});
