/**
 * The error messages a CS leader meets (issue 15): each said once, in words,
 * at the line to fix, with what was expected. Each case failed on the main
 * of 2026-12-02 (15 lines of parser jargon for one slip, "the rule should
 * end here" for `cooldown: a month`, no roles listed, no warning for a due
 * after the end).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTimeline } from '../../client/simulate/timeline.ts';
import { compilePlaybook } from '../../dsl/index.ts';
import { HEADER, milestoneSource, pos, where } from './helpers.ts';

const atRisk = readFileSync(new URL('../../playbooks/at-risk-save.yaml', import.meta.url), 'utf8');
const lines = atRisk.split('\n');
/** The first milestone's `due:` line (0-based), which the slips below move. */
const dueLine = lines.findIndex((l) => /^ {4}due:/.test(l));

function withLine(text: string): string {
  return [...lines.slice(0, dueLine), text, ...lines.slice(dueLine + 1)].join('\n');
}

describe('YAML slips, said once', () => {
  it.each<[string, string, string, string]>([
    ['a key indented one space too far', ` ${lines[dueLine]}`, `line ${dueLine + 1}`, 'deeper than the line before it, which opens nothing under it; keys of one map start in the same column (here 4 spaces)'],
    ['a key indented one space short', lines[dueLine]!.replace(/^ {4}/, '   '), `line ${dueLine + 1}`, 'lines up with no key above it; keys of one map start in the same column (here 2 or 4 spaces)'],
    ['a tab instead of spaces', lines[dueLine]!.replace(/^ {4}/, '\t'), `line ${dueLine + 1} is indented with a tab`, 'replace the tab with spaces'],
  ])('%s: one YAML_SYNTAX diagnostic on that line, with a hint', (_name, line, head, hint) => {
    const source = withLine(line);
    const r = compilePlaybook(source, 'p.yaml');
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    expect(d.code).toBe('YAML_SYNTAX');
    expect(d.linePos.line).toBe(dueLine + 1);
    expect(d.message).toContain(head);
    expect(d.message).toContain(hint);
  });

  it('a value holding ": " says to quote it', () => {
    const r = compilePlaybook(HEADER.replace('title: Test', 'title: Test: broken'), 'p.yaml');
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toContain('must be quoted');
  });
});

describe('durations, roles and dues in words', () => {
  it.each<[string, string, string]>([
    ['a month', "`cooldown` is a duration: a whole number and a unit (hours, days, weeks, months or years), such as `30 days`, `2 weeks` or `1 month`; found `a month`; write `1 month`", 'a month'],
    ['monthly', '`cooldown` is a duration: a whole number and a unit', 'monthly'],
  ])('`cooldown: %s` says what a duration looks like, once', (value, words, needle) => {
    const source = `${HEADER}risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    cooldown: ${value}\n`;
    const r = compilePlaybook(source, 'p.yaml');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['NOT_A_DURATION']);
    expect(r.diagnostics[0]!.message).toContain(words);
    expect(pos(r.diagnostics[0]!)).toBe(where(source, `cooldown: ${needle}`).replace(/:(\d+)$/, (_m, c) => `:${Number(c) + 'cooldown: '.length}`));
  });

  it('`cooldown: 30` (a number to YAML) says a duration has a unit', () => {
    const r = compilePlaybook(`${HEADER}risks:\n  - { id: r, title: R, level: low, when: "health < 40", cooldown: 30 }\n`, 'p.yaml');
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['WRONG_SHAPE', '`cooldown` should be a duration such as `30 days`, found number 30']]);
  });

  it('an unknown role lists the declared roles', () => {
    const source = `${HEADER}risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    actions:\n      - escalate: vp\n`;
    const d = compilePlaybook(source, 'p.yaml').diagnostics.find((x) => x.code === 'UNKNOWN_ROLE')!;
    expect(d.message).toBe('unknown role `vp`: a role is a customer attribute holding a person (the roles here: name, csm, manager)');
    expect(pos(d)).toBe(where(source, 'vp'));
  });

  it('inside a milestone, `owner` is among the roles listed', () => {
    const d = compilePlaybook(milestoneSource('due: month 1\ndone_when: true\nsteps:\n  - at: due\n    remind: ownr\n    message: hi'), 'p.yaml').diagnostics.find((x) => x.code === 'UNKNOWN_ROLE')!;
    expect(d.message).toContain('did you mean `owner`?');
    expect(d.message).toContain('(the roles here: name, csm, manager, owner)');
  });

  it('a due after contract.end is a warning, and the playbook still compiles', () => {
    const source = milestoneSource('due: contract.end + 1 week\ndone_when: true');
    const r = compilePlaybook(source, 'p.yaml');
    expect(r.ir).toBeDefined();
    expect(r.diagnostics.map((d) => [d.code, d.severity, pos(d)])).toEqual([['DUE_AFTER_CONTRACT_END', 'warning', where(source, 'contract.end + 1 week')]]);
  });

  it('a due after the timeline\'s contract end is a timeline warning naming the milestone', () => {
    const ir = compilePlaybook(milestoneSource('due: month 13\ndone_when: happened(activated)'), 'p.yaml').ir!;
    const text = 'customer: { id: c, name: C, tier: vip, arr: 1, active: true, signed_at: 2026-01-01, csm: a, manager: b }\ncontract:\n  start: 2026-01-31\n  end: 2027-01-31\n';
    const t = parseTimeline(ir, text, 't.yaml');
    expect(t.warnings).toEqual([`t.yaml:${where(text, 'end: 2027')}: warning: milestone 'probe' is due 2027-02-28T00:00:00.000Z (month 13), after this contract's end: the term closes first, so it can only be missed`]);
  });
});
