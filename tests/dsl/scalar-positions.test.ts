import { describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
import { HEADER, lineColOf, pos } from './helpers.ts';

/** A risk whose `when` is written as `yaml` (the value part, possibly several lines). */
function withWhen(yaml: string): string {
  return `${HEADER}risks:
  - id: probe
    title: Probe
    level: low
    when: ${yaml}
    cooldown: 1 day
`;
}

describe('positions inside YAML scalars', () => {
  it.each([
    ['plain', 'customer.name == "x" and customer.xr > 1'],
    ['double-quoted with escapes', '"customer.name == \\"a\\\\tb\\" and customer.xr > 1"'],
    ['double-quoted with a unicode escape', '"customer.name == \\"\\u00e9\\" and customer.xr > 1"'],
    ['single-quoted with a doubled quote', '\'customer.name == "it\'\'s" and customer.xr > 1\''],
    ['folded block', '>-\n      customer.name == "x"\n      and customer.xr > 1'],
    ['literal block', '|\n      customer.name == "x"\n        and customer.xr > 1'],
    ['plain over two lines', 'customer.name == "x"\n      and customer.xr > 1'],
    ['double-quoted over two lines', '"customer.name == \\"x\\"\n      and customer.xr > 1"'],
  ])('points at the exact token in a %s scalar', (_style, yaml) => {
    const source = withWhen(yaml);
    const r = compilePlaybook(source, 'p.yaml');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['UNKNOWN_ATTRIBUTE']);
    const d = r.diagnostics[0]!;
    const { line, col } = lineColOf(source, 'xr > 1');
    expect(pos(d)).toBe(`${line}:${col}`);
    expect(source.slice(d.range[0], d.range[1])).toBe('xr');
  });

  it('points at a syntax error at the end of a rule just past its last character', () => {
    const source = withWhen('customer.arr >');
    const r = compilePlaybook(source, 'p.yaml');
    const { line, col } = lineColOf(source, 'customer.arr >');
    expect(r.diagnostics.map((d) => [d.code, pos(d)])).toEqual([['RULE_SYNTAX', `${line}:${col + 'customer.arr >'.length}`]]);
  });

  it('reads `done_when: true` (a YAML boolean) as the rule `true`', () => {
    const source = `${HEADER}milestones:\n  - id: m\n    title: M\n    due: month 1\n    done_when: true\n`;
    const r = compilePlaybook(source, 'p.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.ir!.milestones[0]!.doneWhen).toMatchObject({ source: 'true', expr: { k: 'literal', value: true } });
  });
});
