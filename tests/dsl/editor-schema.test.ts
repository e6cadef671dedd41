/**
 * The editor schema (`milepost schema`, issue 12 item 8 and issue 15): every
 * key described, every v2 key present, and what JSON Schema can say rejected
 * as the author types (checked with Ajv, the validator yaml-language-server
 * uses, against the reference playbooks and against bad ones).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { playbookJsonSchema } from '../../dsl/index.ts';
import { HEADER } from './helpers.ts';

type Schema = Record<string, unknown>;
const schema = playbookJsonSchema();
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

/** Every property of every object in the schema, with its path, following $refs once. */
function properties(node: unknown, path: string, out: Array<[string, Schema]>, seen = new Set<unknown>()): Array<[string, Schema]> {
  if (node === null || typeof node !== 'object' || seen.has(node)) return out;
  seen.add(node);
  const s = node as Schema;
  for (const [key, value] of Object.entries((s['properties'] as Record<string, Schema> | undefined) ?? {})) {
    if (value === (false as unknown)) continue;
    out.push([`${path}.${key}`, value]);
    properties(value, `${path}.${key}`, out, seen);
  }
  for (const key of ['items', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'definitions', '$defs']) {
    const v = s[key];
    if (Array.isArray(v)) v.forEach((x, i) => properties(x, `${path}.${key}[${i}]`, out, seen));
    else if (v && typeof v === 'object') {
      if (key === 'definitions' || key === '$defs') for (const [k, d] of Object.entries(v)) properties(d, `#${k}`, out, seen);
      else properties(v, `${path}[]`, out, seen);
    }
  }
  return out;
}

const described = (s: Schema): boolean => typeof s['description'] === 'string' && (s['description'] as string).length > 10
  || (typeof s['$ref'] === 'string');

describe('the editor schema', () => {
  const props = properties(schema, '', []);

  it('describes every key', () => {
    expect(props.length).toBeGreaterThan(70);
    expect(props.filter(([, s]) => !described(s)).map(([p]) => p)).toEqual([]);
  });

  it('has every v2 key', () => {
    const names = new Set(props.map(([p]) => p.split('.').at(-1)));
    for (const key of ['closes', 'when', 'from', 'opportunities', 'auto_close', 'overdue', 'catch_up', 'renewal_term', 'length']) expect(names).toContain(key);
  });

  it.each(readdirSync(new URL('../../playbooks/', import.meta.url)).filter((f) => f.endsWith('.yaml')))('accepts the reference playbook %s', (file) => {
    const data = parse(readFileSync(new URL(`../../playbooks/${file}`, import.meta.url), 'utf8'));
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
  });

  const risk = (action: string) => `${HEADER}risks:\n  - id: r\n    title: R\n    level: low\n    when: health < 40\n    actions:\n${action.replace(/^/gm, '      ')}\n`;
  const step = (lines: string) => `${HEADER}milestones:\n  - id: m\n    title: M\n    due: month 1\n    done_when: "true"\n    steps:\n${lines.replace(/^/gm, '      ')}\n`;

  it.each<[string, string]>([
    ['a step with two verbs', step('- at: due\n  remind: csm\n  message: hi\n  escalate: manager')],
    ['an action with no verb', risk('- message: hello')],
    ['a reminder with neither template nor message', risk('- remind: csm')],
    ['a reminder with both template and message', risk('- remind: csm\n  template: t\n  message: hi')],
    ['a field of another verb', risk('- escalate: manager\n  due_in: 2 days')],
    ['auto_close on a reminder', risk('- remind: csm\n  message: hi\n  auto_close: false')],
    ['an overdue action with no verb', risk('- open_task: Call\n  overdue:\n    - message: late')],
    ['an unknown key', risk('- escalate: manager\n  mesage: hi')],
    ['catch_up that is neither latest nor none', `${HEADER}catch_up: always\n`],
    ['renewal_term with an unknown key', `${HEADER}renewal_term: { playbok: x }\n`],
    ['an opportunity without a level', `${HEADER}opportunities:\n  - { id: o, title: O, when: "health > 80" }\n`],
  ])('rejects %s', (_name, source) => {
    expect(validate(parse(source))).toBe(false);
  });

  it('accepts the v2 keys where they belong', () => {
    const source = `${HEADER}catch_up: none
renewal_term: { playbook: second-year, length: 12 months }
milestones:
  - id: m
    title: M
    due: month 1
    closes: due + 2 weeks
    done_when: "true"
    steps:
      - at: due
        when: customer.tier == "vip"
        open_task: Call
        auto_close: false
        overdue:
          - escalate: manager
            message: "{{task.title}} due {{task.due}}"
opportunities:
  - { id: o, title: O, level: low, when: "health > 80", from: start + 30 days }
`;
    expect(validate(parse(source)), JSON.stringify(validate.errors)).toBe(true);
  });
});
