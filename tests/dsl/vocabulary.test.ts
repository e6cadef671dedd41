/**
 * The two vocabularies are one table each (issue 10 item 4): what the
 * checker accepts, the IR enums and the docs all follow dsl/ir/vocabulary.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
import { ActionKind, QueryFn, ScalarFn } from '../../dsl/ir/schema.ts';
import { ACTION_COMMON_FIELDS, ACTION_VERB_NAMES, ACTION_VERBS, QUERY_FUNCTION_NAMES, RULE_FUNCTION_NAMES, RULE_FUNCTIONS, SCALAR_FUNCTION_NAMES } from '../../dsl/ir/vocabulary.ts';
import { playbookJsonSchema } from '../../dsl/index.ts';
import { HEADER, riskSource } from './helpers.ts';

const docs = readFileSync(new URL('../../docs/diagnostics.md', import.meta.url), 'utf8');

describe('the rule functions table', () => {
  it('is the IR enums', () => {
    expect(QueryFn.options).toEqual(QUERY_FUNCTION_NAMES);
    expect(ScalarFn.options).toEqual(SCALAR_FUNCTION_NAMES);
  });

  it.each(RULE_FUNCTION_NAMES)('%s compiles as the table says, and is documented', (name) => {
    const f = RULE_FUNCTIONS[name] as (typeof RULE_FUNCTIONS)[keyof typeof RULE_FUNCTIONS] & { query?: { field: string; result: string }; scalar?: { arity: number } };
    const uses: string[] = [];
    if (f.query) {
      const arg = f.query.field === 'none' ? 'usage within 30 days' : f.query.field === 'number' ? 'usage.minutes within 30 days' : 'usage.source within 30 days';
      uses.push(f.query.result === 'boolean' ? `${name}(${arg})` : f.query.result === 'field' ? `${name}(${arg}) is null` : `${name}(${arg}) > 1`);
    }
    if (f.scalar) uses.push(`${name}(${Array.from({ length: f.scalar.arity }, () => 'customer.arr').join(', ')}) > 1`);
    for (const rule of uses) expect(compilePlaybook(riskSource(rule), 'f.yaml').diagnostics, rule).toEqual([]);
    if (f.scalar) {
      const wrong = `${name}(${Array.from({ length: f.scalar.arity + 1 }, () => 'customer.arr').join(', ')}) > 1`;
      expect(compilePlaybook(riskSource(wrong), 'f.yaml').diagnostics.map((d) => d.code)).toContain('WRONG_ARGUMENTS');
    }
    expect(docs.slice(docs.indexOf('## UNKNOWN_FUNCTION'), docs.indexOf('## UNKNOWN_NAME'))).toContain(`\`${name}\``);
  });
});

describe('the action verbs table', () => {
  it('is the IR enum and the editor schema\'s verbs', () => {
    expect(ActionKind.options).toEqual(ACTION_VERB_NAMES);
    const schema = JSON.stringify(playbookJsonSchema());
    for (const verb of ACTION_VERB_NAMES) expect(schema).toContain(`{"required":["${verb}"]}`);
  });

  it.each(ACTION_VERB_NAMES)('%s takes exactly its fields', (verb) => {
    const value = ACTION_VERBS[verb].value === 'template' ? 'Call' : ACTION_VERBS[verb].value === 'role' ? 'csm' : 'hook';
    const extra = verb === 'remind' ? '\n        message: hi' : '';
    const ok = compilePlaybook(`${HEADER}risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    actions:\n      - ${verb}: ${value}${extra}\n        when: customer.arr > 1\n`, 'v.yaml');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.ir!.risks[0]!.actions[0]!.kind).toBe(verb);
    const foreign = ACTION_VERB_NAMES.filter((v) => v !== verb).flatMap((v) => ACTION_VERBS[v].fields).find((f) => !(ACTION_VERBS[verb].fields as readonly string[]).includes(f))!;
    const bad = compilePlaybook(`${HEADER}risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    actions:\n      - ${verb}: ${value}${extra}\n        ${foreign}: x\n`, 'v.yaml');
    expect(bad.diagnostics.map((d) => d.code)).toContain('ACTION_FIELD_NOT_ALLOWED');
    expect(ACTION_COMMON_FIELDS).toEqual(['when']);
  });
});
