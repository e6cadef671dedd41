/**
 * Test helpers for the compiler: a small playbook to put rules into, and a
 * way to state expected positions by pointing at text (independently of the
 * compiler's own position code).
 */
import { compilePlaybook } from '../../dsl/index.ts';
import type { CompileResult, Diagnostic } from '../../dsl/index.ts';

/** 1-based line and column of the `occurrence`-th `needle` in `source`. */
export function lineColOf(source: string, needle: string, occurrence = 1): { line: number; col: number } {
  let at = -1;
  for (let i = 0; i < occurrence; i++) {
    at = source.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`test setup: ${JSON.stringify(needle)} occurs fewer than ${occurrence} times`);
  }
  const before = source.slice(0, at);
  const line = before.split('\n').length;
  return { line, col: at - before.lastIndexOf('\n') };
}

/** `line:col` of the needle, for comparing with diagnostics. */
export function where(source: string, needle: string, occurrence = 1): string {
  const { line, col } = lineColOf(source, needle, occurrence);
  return `${line}:${col}`;
}

export function pos(d: Diagnostic): string {
  return `${d.linePos.line}:${d.linePos.col}`;
}

/** The declarations every rule test compiles against. */
export const HEADER = `playbook: test-playbook
title: Test
customer:
  name: string
  tier: enum(vip, growth, stable)
  arr: number
  active: boolean
  signed_at: date
  csm: string
  manager: string
events:
  activated: {}
  usage: { active_users: number, minutes: number, source: string }
  ticket_opened: { category: string, severity: number }
  complaint: { severity: number, channel: "enum(phone, email)" }
health:
  components:
    - id: usage
      weight: 2
      score: clamp(latest(usage.active_users) * 10, 0, 100)
    - id: support
      weight: 1
      score: clamp(100 - 25 * count(ticket_opened within 30 days), 0, 100)
`;

/** A playbook whose only risk has `when: <rule>` (the rule written as a double-quoted scalar). */
export function riskSource(rule: string): string {
  return `${HEADER}risks:
  - id: probe
    title: Probe
    level: low
    when: ${JSON.stringify(rule)}
`;
}

/** Compiles a playbook whose risk `when` is `rule`. */
export function compileRule(rule: string): CompileResult & { source: string } {
  const source = riskSource(rule);
  return { ...compilePlaybook(source, 'probe.yaml'), source };
}

/** A playbook with one milestone holding the given YAML lines (indented 4). */
export function milestoneSource(lines: string): string {
  return `${HEADER}milestones:
  - id: probe
    title: Probe
${lines.replace(/^/gm, '    ')}
`;
}
