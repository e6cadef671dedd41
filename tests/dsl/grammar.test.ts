import { describe, expect, it } from 'vitest';
import type { Expr } from '../../dsl/ir/schema.ts';
import { parseEventQuery, parseExpression } from '../../dsl/rules/parse-rule.ts';
import type { Node } from '../../dsl/rules/ast.ts';
import { compileRule } from './helpers.ts';

/** The AST as a compact S-expression, to state precedence readably. */
function sexp(n: Node): string {
  switch (n.kind) {
    case 'number': return String(n.value);
    case 'string': return JSON.stringify(n.value);
    case 'boolean': return String(n.value);
    case 'null': return 'null';
    case 'duration': return `${n.amount}${n.unit}`;
    case 'time_point': return `(${n.unit} ${n.amount})`;
    case 'list': return `[${n.items.map(sexp).join(' ')}]`;
    case 'path': return [n.head, ...n.members].map((m) => m.name).join('.');
    case 'call': return `(${n.callee.name} ${n.args.map((a) => [sexp(a.value), a.where ? `where ${sexp(a.where)}` : '', a.window ? `${a.window.kind} ${sexp(a.window.value)}` : ''].filter(Boolean).join(' ')).join(', ')})`;
    case 'not': return `(not ${sexp(n.operand)})`;
    case 'neg': return `(neg ${sexp(n.operand)})`;
    case 'binary': return `(${n.op} ${sexp(n.left)} ${sexp(n.right)})`;
    case 'in': return `(in ${sexp(n.operand)} ${sexp(n.list)})`;
    case 'is_null': return `(is${n.negated ? '-not' : ''}-null ${sexp(n.operand)})`;
    case 'error': return '<error>';
  }
}

function parse(text: string): string {
  const { ast, problems } = parseExpression(text);
  expect(problems).toEqual([]);
  return sexp(ast!);
}

describe('rules grammar', () => {
  it('parses every primary', () => {
    expect(parse('42')).toBe('42');
    expect(parse('2.5')).toBe('2.5');
    expect(parse('"clinic"')).toBe('"clinic"');
    expect(parse('"say \\"hi\\""')).toBe('"say \\"hi\\""');
    expect(parse('true')).toBe('true');
    expect(parse('false')).toBe('false');
    expect(parse('null')).toBe('null');
    expect(parse('7 days')).toBe('7day');
    expect(parse('1 hour')).toBe('1hour');
    expect(parse('3 weeks')).toBe('3week');
    expect(parse('2 years')).toBe('2year');
    expect(parse('month 3')).toBe('(month 3)');
    expect(parse('week 2')).toBe('(week 2)');
    expect(parse('day 10')).toBe('(day 10)');
    expect(parse('customer.tier')).toBe('customer.tier');
    expect(parse('contract.end')).toBe('contract.end');
    expect(parse('contract.start')).toBe('contract.start');
    expect(parse('health')).toBe('health');
    expect(parse('health.usage')).toBe('health.usage');
    expect(parse('start')).toBe('start');
    expect(parse('["a", "b"]')).toBe('["a" "b"]');
    expect(parse('[]')).toBe('[]');
    expect(parse('(1)')).toBe('1');
  });

  it('parses event queries with where, within and since', () => {
    expect(parse('happened(activated)')).toBe('(happened activated)');
    expect(parse('count(ticket_opened where severity >= 2 within 30 days)')).toBe('(count ticket_opened where (>= severity 2) within 30day)');
    expect(parse('sum(usage.minutes since month 3 - 7 days)')).toBe('(sum usage.minutes since (- (month 3) 7day))');
    expect(parse('latest(usage.active_users)')).toBe('(latest usage.active_users)');
    expect(parse('clamp(x, 0, 100)')).toBe('(clamp x, 0, 100)');
    const q = parseEventQuery('complaint where severity >= 2');
    expect(q.problems).toEqual([]);
    expect(sexp(q.ast!.value)).toBe('complaint');
    expect(sexp(q.ast!.where!)).toBe('(>= severity 2)');
  });

  it('keeps keywords apart from identifiers that start with them', () => {
    expect(parse('customer.dayshift')).toBe('customer.dayshift');
    expect(parse('customer.in_trial')).toBe('customer.in_trial');
    expect(parse('notes')).toBe('notes');
    expect(parse('customer.start')).toBe('customer.start');
    expect(parse('3 days')).toBe('3day');
  });

  it('binds by reference §4 precedence: or < and < not < comparison < + - < * / < unary -', () => {
    expect(parse('a or b and c')).toBe('(or a (and b c))');
    expect(parse('a and b or c')).toBe('(or (and a b) c)');
    expect(parse('not a and b')).toBe('(and (not a) b)');
    expect(parse('not a == b')).toBe('(not (== a b))');
    expect(parse('a + b * c')).toBe('(+ a (* b c))');
    expect(parse('a * b + c')).toBe('(+ (* a b) c)');
    expect(parse('a - b - c')).toBe('(- (- a b) c)');
    expect(parse('a / b / c')).toBe('(/ (/ a b) c)');
    expect(parse('-a * b')).toBe('(* (neg a) b)');
    expect(parse('- -a')).toBe('(neg (neg a))');
    expect(parse('(a + b) * c')).toBe('(* (+ a b) c)');
    expect(parse('a + 1 < b * 2')).toBe('(< (+ a 1) (* b 2))');
    expect(parse('x in ["a"] or y is not null')).toBe('(or (in x ["a"]) (is-not-null y))');
    expect(parse('x is null and not y')).toBe('(and (is-null x) (not y))');
    expect(parse('due - 7 days')).toBe('(- due 7day)');
    expect(parse('contract.end - 3 months + 1 week')).toBe('(+ (- contract.end 3month) 1week)');
  });

  it('parses all comparison operators', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=']) expect(parse(`a ${op} b`)).toBe(`(${op} a b)`);
  });

  it('reports a chained comparison as a syntax error instead of guessing', () => {
    expect(parseExpression('a < b < c').problems.map((p) => p.start)).toEqual([6]);
  });

  it.each([
    ['count(usage) >', 14, 'expected a value after `>`'],
    ['happened(activated', 18, '`(` is never closed'],
    ['customer.arr = 3', 13, '`==`'],
    ['a && b', 2, '`and`'],
    ['a || b', 2, '`or`'],
    ['!a', 0, '`not`'],
    ["customer.name == 'x'", 17, 'double quotes'],
    ['customer.name == "x', 17, 'not closed'],
    ['a b', 2, 'missing'],
    ['a > 1)', 5, 'no matching `(`'],
    ['month > 3', 6, 'a number after `month`'],
    ['1 + * 2', 4, 'expected a value after `+`'],
    ['customer.', 9, 'expected a name'],
    ['', 0, 'empty'],
    ['x @ y', 2, 'unexpected character `@`'],
    ['health < 40%', 11, 'percentages'],
  ])('reports %j at offset %i', (text, offset, message) => {
    const { problems, ast } = parseExpression(text);
    expect(ast).toBeUndefined();
    expect(problems[0]!.start).toBe(offset);
    expect(problems[0]!.message).toContain(message);
  });

  it('refuses rules beyond the size and nesting limits instead of exhausting the stack', () => {
    const deep = parseExpression(`${'('.repeat(5000)}1${')'.repeat(5000)}`);
    expect(deep.ast).toBeUndefined();
    expect(deep.problems[0]!.message).toContain('more than the 1000 allowed');
    const nested = parseExpression(`${'('.repeat(65)}1${')'.repeat(65)} > 0`);
    expect(nested.problems).toEqual([{ start: 64, end: 65, message: 'this rule nests deeper than 64 levels; simplify it' }]);
    expect(parseExpression(`${'('.repeat(64)}1${')'.repeat(64)} > 0`).problems).toEqual([]);
    expect(parseExpression(Array(499).fill('true').join(' and ')).problems).toEqual([]);
  });

  it('reports every syntax error of one rule, not just the first', () => {
    const { problems } = parseExpression('(a > ) and (b < )');
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems.map((p) => p.start)).toContain(5);
    expect(problems.map((p) => p.start)).toContain(16);
  });
});

describe('compiled expressions', () => {
  function expr(rule: string): Expr {
    const r = compileRule(rule);
    expect(r.diagnostics).toEqual([]);
    return r.ir!.risks[0]!.when.expr;
  }

  it('gives every node a unique id and a position in the side table', () => {
    const r = compileRule('customer.arr > 3 and not happened(activated)');
    const ids: number[] = [];
    const walk = (e: Expr): void => {
      ids.push(e.id);
      if (e.k === 'binary') { walk(e.left); walk(e.right); }
      if (e.k === 'not') walk(e.operand);
    };
    walk(r.ir!.risks[0]!.when.expr);
    const all = [...r.ir!.health!.components.map((c) => c.score.expr.id), ...ids];
    expect(new Set(all).size).toBe(all.length);
    for (const id of ids) expect(r.positions.has(id)).toBe(true);
    const arr = r.source.indexOf('customer.arr');
    const notAt = r.source.indexOf('not happened');
    const root = r.ir!.risks[0]!.when.expr;
    expect(root.k).toBe('binary');
    if (root.k === 'binary') {
      expect(r.positions.get(root.left.id)).toEqual([arr, arr + 'customer.arr > 3'.length]);
      expect(r.positions.get(root.right.id)![0]).toBe(notAt);
    }
  });

  it('compiles time values into normalised time expressions', () => {
    const e = expr('customer.signed_at < month 3 - 7 days');
    expect(e).toMatchObject({
      k: 'binary',
      op: '<',
      right: { k: 'time', time: { anchor: 'start', terms: [{ sign: 1, duration: { amount: 3, unit: 'month' } }, { sign: -1, duration: { amount: 7, unit: 'day' } }] } },
    });
    expect(expr('customer.signed_at < week 2')).toMatchObject({ right: { k: 'time', time: { anchor: 'start', terms: [{ sign: 1, duration: { amount: 14, unit: 'day' } }] } } });
    expect(expr('customer.signed_at < day 10')).toMatchObject({ right: { k: 'time', time: { anchor: 'start', terms: [{ sign: 1, duration: { amount: 10, unit: 'day' } }] } } });
    expect(expr('customer.signed_at < contract.end')).toMatchObject({ right: { k: 'ref', ref: { kind: 'contract_end' } } });
    expect(expr('customer.signed_at < contract.end - 1 year')).toMatchObject({ right: { k: 'time', time: { anchor: 'contract_end', terms: [{ sign: -1, duration: { amount: 1, unit: 'year' } }] } } });
  });

  it('tells days_since of a time from days_since of an event', () => {
    expect(expr('days_since(start) > 3')).toMatchObject({ left: { k: 'days_since_time', time: { anchor: 'start', terms: [] } } });
    expect(expr('days_since(usage) > 3')).toMatchObject({ left: { k: 'query', fn: 'days_since' } });
  });

  it('tells min/max of two values from min/max over an event field', () => {
    expect(expr('min(customer.arr, 3) > 1')).toMatchObject({ left: { k: 'call', fn: 'min' } });
    expect(expr('max(usage.minutes within 7 days) > 1')).toMatchObject({ left: { k: 'query', fn: 'max' } });
  });

  it('interns identical queries once and keeps different ones apart', () => {
    const r = compileRule('count(usage within 7 days) > 1 and count(usage within 7 days) < 9 and count(usage within 8 days) > 0');
    const ir = r.ir!;
    const root = ir.risks[0]!.when.expr;
    const indexes: number[] = [];
    const walk = (e: Expr): void => {
      if (e.k === 'query') indexes.push(e.query);
      if (e.k === 'binary') { walk(e.left); walk(e.right); }
    };
    walk(root);
    expect(indexes[0]).toBe(indexes[1]);
    expect(indexes[2]).not.toBe(indexes[0]);
    expect(ir.queries[indexes[0]!]).toMatchObject({ event: 'usage', field: null, window: { kind: 'within', duration: { amount: 7, unit: 'day' } } });
  });

  it('compiles where clauses over event fields and customer attributes', () => {
    const r = compileRule('count(usage where minutes > customer.arr and source == "app") > 0');
    expect(r.diagnostics).toEqual([]);
    const q = r.ir!.queries.at(-1)!;
    expect(q.where).toMatchObject({ k: 'binary', op: 'and', left: { left: { k: 'ref', ref: { kind: 'field', field: 'minutes' } }, right: { k: 'ref', ref: { kind: 'customer', attr: 'arr' } } } });
    expect(r.ir!.retention['usage']!.fields).toEqual(['active_users', 'minutes', 'source']);
  });
});
