import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePlaybook, templatesFrom } from '../../dsl/index.ts';
import type { DiagnosticCode } from '../../dsl/index.ts';
import { codeFrame } from '../../client/cli/diagnostics-printer.ts';
import { HEADER, milestoneSource, riskSource } from './helpers.ts';

const risk = (lines: string) => `${HEADER}risks:\n  - id: r\n    title: R\n${lines.replace(/^/gm, '    ')}\n`;

/** The codes that are warnings (docs/diagnostics.md marks each "(warning)"). */
const WARNINGS = new Set<DiagnosticCode>(['STEP_NEVER_FIRES', 'DUE_BEFORE_OPENS', 'CLOSES_MAY_PRECEDE_DUE', 'DUE_AFTER_CONTRACT_END']);

/** One case per code: a playbook with that mistake and the exact text the diagnostic must cover. */
const cases: Array<[DiagnosticCode, string, string]> = [
  ['YAML_SYNTAX', HEADER.replace('title: Test', 'title: Test: broken'), 'Test'],
  ['DUPLICATE_KEY', HEADER.replace('title: Test\n', 'title: Test\ntitle: Again\n'), 'title'],
  ['UNKNOWN_KEY', HEADER.replace('title: Test\n', 'title: Test\ntitel: Again\n'), 'titel'],
  ['MISSING_KEY', milestoneSource('done_when: true'), 'id: probe'],
  ['WRONG_SHAPE', `${HEADER}milestones: 3\n`, '3'],
  ['INVALID_VALUE', risk('level: hihg\nwhen: health < 1'), 'hihg'],
  ['INVALID_ID', HEADER.replace('playbook: test-playbook', 'playbook: Test_Playbook'), 'Test_Playbook'],
  ['RESERVED_WORD', HEADER.replace('  arr: number\n', '  arr: number\n  start: date\n'), 'start'],
  ['DUPLICATE_ID', `${HEADER}triggers:\n  - { id: t, on: activated }\n  - { id: t, on: usage }\n`, 't'],
  ['UNKNOWN_TYPE', HEADER.replace('  arr: number', '  arr: numbr'), 'numbr'],
  ['RULE_SYNTAX', riskSource('customer.arr >>= 3'), '>'],
  ['RULE_TYPE_MISMATCH', riskSource('customer.arr > "3"'), '>'],
  ['UNKNOWN_ATTRIBUTE', riskSource('customer.ar > 3'), 'ar'],
  ['UNKNOWN_EVENT', riskSource('happened(activate)'), 'activate'],
  ['UNKNOWN_FIELD', riskSource('sum(usage.minute) > 3'), 'minute'],
  ['UNKNOWN_ENUM_MEMBER', riskSource('customer.tier == "gold"'), '\\"gold\\"'],
  ['UNKNOWN_FUNCTION', riskSource('cnt(usage) > 3'), 'cnt'],
  ['UNKNOWN_NAME', riskSource('arr > 3'), 'arr'],
  ['WRONG_ARGUMENTS', riskSource('count(usage.minutes) > 3'), 'minutes'],
  ['UNKNOWN_HEALTH_COMPONENT', riskSource('health.usag < 3'), 'usag'],
  ['NOT_ALLOWED_HERE', riskSource('days_since(due) > 3'), 'due'],
  ['NOT_AN_INSTANT', milestoneSource('due: customer.signed_at\ndone_when: true'), 'customer.signed_at'],
  ['NOT_A_DURATION', risk('level: low\nwhen: health < 1\ncooldown: month 1'), 'month 1'],
  ['UNKNOWN_ROLE', risk('level: low\nwhen: health < 1\nactions:\n  - escalate: boss'), 'boss'],
  ['UNKNOWN_ACTION', risk('level: low\nwhen: health < 1\nactions:\n  - message: hello'), 'message'],
  ['ACTION_FIELD_NOT_ALLOWED', risk('level: low\nwhen: health < 1\nactions:\n  - escalate: csm\n    priority: high'), 'priority'],
  ['TEMPLATE_SYNTAX', risk('level: low\nwhen: health < 1\nactions:\n  - escalate: csm\n    message: "Hi {{customer.name"'), '{{'],
  ['UNKNOWN_PLACEHOLDER', risk('level: low\nwhen: health < 1\nactions:\n  - escalate: csm\n    message: "Hi {{customer.nme}}"'), 'customer.nme'],
  ['STEP_NEVER_FIRES', milestoneSource('opens: month 4\ndue: month 9\ndone_when: true\nsteps:\n  - at: due - 6 months\n    escalate: manager'), 'due - 6 months'],
  ['DUE_BEFORE_OPENS', milestoneSource('opens: month 4\ndue: month 3 + 2 weeks\ndone_when: true'), 'month 3 + 2 weeks'],
  ['TEMPLATE_NOT_FOUND', risk('level: low\nwhen: health < 1\nactions:\n  - remind: csm\n    template: nowhere'), 'nowhere'],
  ['TEMPLATE_FILE', risk('level: low\nwhen: health < 1\nactions:\n  - remind: csm\n    template: broken'), 'broken'],
  ['DUE_AFTER_CONTRACT_END', milestoneSource('due: contract.end + 1 week\ndone_when: true'), 'contract.end + 1 week'],
  ['CLOSES_BEFORE_DUE', milestoneSource('due: month 3\ndone_when: true\ncloses: due - 1 day'), 'due - 1 day'],
  ['CLOSES_MAY_PRECEDE_DUE', milestoneSource('due: month 1\ndone_when: true\ncloses: day 29'), 'day 29'],
  ['MULTIPLE_RENEWAL', `${HEADER}milestones:\n  - { id: a, title: A, due: month 1, done_when: "true", renewal: true }\n  - { id: b, title: B, due: month 2, done_when: "true", renewal: true }\n`, 'true'],
];

describe('diagnostic codes', () => {
  it.each(cases)('%s covers the offending text, with a caret frame under it', (code, source, text) => {
    const r = compilePlaybook(source, 'case.yaml', { templates: templatesFrom({ broken: '---\nsubject: x\n' }) });
    const d = r.diagnostics.find((x) => x.code === code);
    expect(d, JSON.stringify(r.diagnostics.map((x) => [x.code, x.message]))).toBeDefined();
    const warning = WARNINGS.has(code);
    expect(d!.severity).toBe(warning ? 'warning' : 'error');
    // Warnings leave the playbook compilable; errors do not.
    expect(r.ir === undefined).toBe(!warning);
    expect(source.slice(d!.range[0], d!.range[0] + text.length)).toBe(text);
    // The frame shows the line and puts the first caret under the range's first character.
    const [line, carets] = codeFrame(d!, source).split('\n');
    const bar = line!.indexOf('| ') + 2;
    const caretAt = carets!.indexOf('^');
    expect(line!.slice(caretAt, caretAt + text.length)).toBe(text);
    expect(caretAt - bar + 1).toBe(d!.linePos.col);
  });

  it('reports a misspelt required key once, naming the map it is in', () => {
    const source = milestoneSource('due: month 1\ndone_wen: true');
    const r = compilePlaybook(source, 'typo.yaml');
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['UNKNOWN_KEY', 'unknown key `done_wen` in milestone `probe`; did you mean `done_when`?'],
    ]);
    const missing = compilePlaybook(milestoneSource('due: month 1'), 'missing.yaml');
    expect(missing.diagnostics.map((d) => [d.code, d.message])).toEqual([['MISSING_KEY', 'missing required key `done_when` in milestone `probe`']]);
  });

  it('points a YAML error at the end of the file at its last character', () => {
    const source = `${HEADER}milestones: [unclosed\n`;
    const d = compilePlaybook(source, 'eof.yaml').diagnostics[0]!;
    expect(d.code).toBe('YAML_SYNTAX');
    expect(d.range[0]).toBe(source.trimEnd().length - 1);
  });

  it('every code of the closed union has a case here and a section in docs/diagnostics.md', () => {
    const union = readFileSync(new URL('../../dsl/diagnostics.ts', import.meta.url), 'utf8');
    const codes = [...union.slice(union.indexOf('export type DiagnosticCode'), union.indexOf(';', union.indexOf('export type DiagnosticCode'))).matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(codes));
    const docs = readFileSync(new URL('../../docs/diagnostics.md', import.meta.url), 'utf8');
    for (const code of codes) expect(docs).toContain(`## ${code}`);
  });
});
