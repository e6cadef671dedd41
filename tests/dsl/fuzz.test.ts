import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePlaybook, LineIndex } from '../../dsl/index.ts';
import type { CompileResult } from '../../dsl/index.ts';
import { parseExpression } from '../../dsl/rules/parse-rule.ts';
import { riskSource } from './helpers.ts';

const clinic = readFileSync(new URL('../../playbooks/clinic-first-year.yaml', import.meta.url), 'utf8');

/** Every diagnostic is well formed and points inside the source; the IR exists exactly when no error does. */
function assertStructured(r: CompileResult, source: string): void {
  const lines = new LineIndex(source);
  for (const d of r.diagnostics) {
    expect(typeof d.message).toBe('string');
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.range[0]).toBeGreaterThanOrEqual(0);
    expect(d.range[1]).toBeGreaterThanOrEqual(d.range[0]);
    expect(d.range[1]).toBeLessThanOrEqual(source.length);
    expect(d.linePos).toEqual(lines.linePos(d.range[0]));
  }
  expect(r.ir !== undefined).toBe(!r.diagnostics.some((d) => d.severity === 'error'));
}

/** Words and symbols of the rules language, to build near-valid rules. */
const vocabulary = [
  'customer.arr', 'customer.tier', 'customer.name', 'health', 'health.usage', 'contract.end', 'start', 'opens', 'due', 'now',
  'count(', 'happened(', 'sum(', 'latest(', 'days_since(', 'clamp(', 'min(', 'usage', 'usage.minutes', 'activated',
  'where', 'within', 'since', '7 days', 'month 3', 'week', 'and', 'or', 'not', 'in', 'is', 'null', 'true', '"vip"',
  '3', '2.5', '(', ')', '[', ']', ',', '.', '+', '-', '*', '/', '==', '!=', '<', '>=', '=', '&&', '{{', '}}', '"', "'",
];

describe('the compiler under random input', () => {
  it('never throws on random rule text, only reports diagnostics', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (rule) => {
        const source = riskSource(rule);
        assertStructured(compilePlaybook(source, 'fuzz.yaml'), source);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random sequences of rule tokens', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...vocabulary), { maxLength: 25 }), (words) => {
        const rule = words.join(' ');
        expect(() => parseExpression(rule)).not.toThrow();
        const source = riskSource(rule);
        assertStructured(compilePlaybook(source, 'fuzz.yaml'), source);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws or hangs on mutated reference playbooks', () => {
    const mutation = fc.record({
      at: fc.nat({ max: clinic.length }),
      cut: fc.nat({ max: 12 }),
      insert: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(':', '- ', '\n', '  ', '{', '"', '[', '#', '&a', '*a', '!!str', '{{', '>-\n')),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let source = clinic;
        for (const m of mutations) {
          const at = Math.min(m.at, source.length);
          source = source.slice(0, at) + m.insert + source.slice(at + m.cut);
        }
        const started = performance.now();
        assertStructured(compilePlaybook(source, 'mutated.yaml'), source);
        expect(performance.now() - started).toBeLessThan(2000);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary YAML-shaped values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const source = JSON.stringify(value);
        assertStructured(compilePlaybook(source, 'json.yaml'), source);
      }),
      { numRuns: 200 },
    );
  });
});
