import { describe, expect, it } from 'vitest';
import { compilePlaybook, formatDiagnostic, templatesFrom } from '../../dsl/index.ts';
import { lineColOf, pos } from './helpers.ts';

/** A playbook with one mistake per marked line; each needle is the exact token the error must point at. */
const source = `playbook: clinic-with-mistakes
title: Mistakes everywhere
customer:
  name: string
  tier: enum(vip, growth, stable)
  arr: numbr
  csm: string
  manager: string
events:
  activated: {}
  usage: { minutes: number }
  complaint: { severity: number }
milestones:
  - id: activation
    title: Activated
    due: month 1
    done_when: happened(activatd)
    ownr: csm
    steps:
      - at: due - 7 dayz
        remind: owner
        template: soon
  - id: adoption
    title: "Adoption"
    due: month 3
    done_when: "sum(usage.minutes within 30 days) >= 600 and customer.tier == \\"vipp\\""
    steps:
      - at: 'due + 2 weeks'
        escalate: manger
  - id: activation
    title: Duplicate
    due: month 4
    done_when: >-
      count(usage within 7 days) > 3
      and customer.ar > 100
risks:
  - id: low_usage
    title: Low usage
    level: hihg
    when: sum(usage.minutes within 30 days) < "100"
    actions:
      - remind: owner
        message: "Call {{customer.nam}}"
triggers:
  - id: complaints
    on: complaint where severty >= 2
    actions:
      - open_task: "Complaint: {{event.severity}}"
        due_in: 24
`;

/** [code, needle (occurrence)] in source order. */
const expected: Array<[string, string, number?]> = [
  ['UNKNOWN_TYPE', 'numbr'],
  ['UNKNOWN_EVENT', 'activatd'],
  ['UNKNOWN_KEY', 'ownr'],
  ['RULE_SYNTAX', 'dayz'],
  ['UNKNOWN_ENUM_MEMBER', '\\"vipp\\"'],
  ['UNKNOWN_ROLE', 'manger'],
  ['DUPLICATE_ID', 'activation', 2],
  ['UNKNOWN_ATTRIBUTE', 'ar > 100'],
  ['INVALID_VALUE', 'hihg'],
  ['RULE_TYPE_MISMATCH', '< "100"'],
  ['NOT_ALLOWED_HERE', 'owner', 2],
  ['UNKNOWN_PLACEHOLDER', 'customer.nam'],
  ['UNKNOWN_FIELD', 'severty'],
  ['WRONG_SHAPE', '24\n'],
];

describe('a playbook with many mistakes', () => {
  const r = compilePlaybook(source, 'playbooks/mistakes.yaml', { templates: templatesFrom({ soon: 'Soon: {{milestone.title}}' }) });

  it('reports every mistake in one run, in source order, at the exact line and column', () => {
    const got = r.diagnostics.map((d) => [d.code, pos(d)]);
    const want = expected.map(([code, needle, n]) => {
      const { line, col } = lineColOf(source, needle, n ?? 1);
      return [code, `${line}:${col}`];
    });
    expect(got).toEqual(want);
    expect(r.ir).toBeUndefined();
  });

  it('prints path:line:col: error: message with did-you-mean hints', () => {
    const lines = r.diagnostics.map(formatDiagnostic);
    const { line, col } = lineColOf(source, 'activatd');
    expect(lines).toContain(`playbooks/mistakes.yaml:${line}:${col}: error: unknown event type \`activatd\`; did you mean \`activated\`?`);
    expect(lines.join('\n')).toContain('did you mean `number`?');
    expect(lines.join('\n')).toContain('did you mean `owner`?');
    expect(lines.join('\n')).toContain('did you mean `manager`?');
    expect(lines.join('\n')).toContain('did you mean `customer.arr`?');
    expect(lines.join('\n')).toContain('did you mean `high`?');
    expect(lines.join('\n')).toContain('did you mean `customer.name`?');
    expect(lines.join('\n')).toContain('`dayz` is not a duration unit (hours, days, weeks, months, years); did you mean `days`?');
    expect(lines.join('\n')).toContain('`due_in` should be a duration such as `7 days` or `24 hours`, found number 24');
    expect(lines.join('\n')).toContain('did you mean `severity`?');
  });

  it('gives each diagnostic the range of the whole offending token', () => {
    const d = r.diagnostics.find((x) => x.code === 'UNKNOWN_FIELD')!;
    expect(source.slice(d.range[0], d.range[1])).toBe('severty');
    const e = r.diagnostics.find((x) => x.code === 'UNKNOWN_ENUM_MEMBER')!;
    expect(source.slice(e.range[0], e.range[1])).toBe('\\"vipp\\"');
    const f = r.diagnostics.find((x) => x.code === 'UNKNOWN_ATTRIBUTE')!;
    expect(source.slice(f.range[0], f.range[1])).toBe('ar');
  });
});
