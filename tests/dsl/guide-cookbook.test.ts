import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { compilePlaybook } from '../../dsl/index.ts';
import { templatesBeside } from '../../client/files/template-files.ts';

const guide = readFileSync(new URL('../../docs/language-guide.md', import.meta.url), 'utf8');
const clinic = readFileSync(new URL('../../playbooks/clinic-first-year.yaml', import.meta.url), 'utf8');
const section = guide.slice(guide.indexOf('### Cookbook'), guide.indexOf('### Types and missing values'));
const rules = [...section.matchAll(/^\| [^|]+ \| `(.+)` \|$/gm)].map((m) => m[1]!);

/** The clinic playbook with `rule` added as a risk's `when`, or as a milestone's `done_when` when it uses `opens`. */
function withRule(rule: string): string {
  const milestone = `  - id: cookbook\n    title: Cookbook\n    due: month 2\n    done_when: ${JSON.stringify(rule)}\n`;
  const risk = `  - id: cookbook\n    title: Cookbook\n    level: low\n    when: ${JSON.stringify(rule)}\n`;
  return rule.includes('opens') ? clinic.replace('\nrisks:\n', `\n${milestone}\nrisks:\n`) : clinic.replace('\ntriggers:\n', `\n${risk}\ntriggers:\n`);
}

describe('the language guide cookbook', () => {
  it('has rules to check', () => {
    expect(rules.length).toBeGreaterThanOrEqual(10);
  });

  it.each(rules)('`%s` compiles against the clinic declarations', (rule) => {
    const r = compilePlaybook(withRule(rule), 'cookbook.yaml', { templates: templatesBeside(fileURLToPath(new URL('../../playbooks/clinic-first-year.yaml', import.meta.url))) });
    expect(r.diagnostics).toEqual([]);
  });
});

/**
 * Every YAML example of the guide that is a piece of a playbook (milestones,
 * risks, opportunities, triggers, health, catch_up, renewal_term) compiles
 * when put into the clinic playbook: an item replaces the clinic's item with
 * the same id, or is added.
 */
const PIECES = new Set(['milestones', 'risks', 'opportunities', 'triggers', 'health', 'catch_up', 'renewal_term']);
const examples = [...guide.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
  .map((m) => m[1]!)
  .filter((text) => !text.includes('...') && !text.startsWith('#'))
  .map((text) => ({ text, data: parseYaml(text) as Record<string, unknown> }))
  .filter(({ data }) => data !== null && typeof data === 'object' && Object.keys(data).every((k) => PIECES.has(k)));

function spliced(piece: Record<string, unknown>): string {
  const book = parseYaml(clinic) as Record<string, unknown>;
  for (const [key, value] of Object.entries(piece)) {
    if (!Array.isArray(value)) {
      book[key] = value;
      continue;
    }
    const items = [...((book[key] as Array<{ id: string }> | undefined) ?? [])];
    for (const item of value as Array<{ id: string }>) {
      const at = items.findIndex((x) => x.id === item.id);
      if (at >= 0) items[at] = item;
      else items.push(item);
    }
    book[key] = items;
  }
  return stringifyYaml(book);
}

describe('the language guide examples', () => {
  it('has v2 examples to check', () => {
    expect(examples.map(({ data }) => Object.keys(data)[0])).toEqual(expect.arrayContaining(['milestones', 'risks', 'opportunities', 'triggers', 'renewal_term']));
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples.map(({ text, data }) => [text.split('\n').find((l) => l.includes('id:'))?.trim() ?? Object.keys(data)[0]!, data] as const))('`%s` compiles in the clinic playbook', (_name, data) => {
    const r = compilePlaybook(spliced(data), 'guide.yaml', { templates: templatesBeside(fileURLToPath(new URL('../../playbooks/clinic-first-year.yaml', import.meta.url))) });
    expect(r.diagnostics.map((d) => `${d.linePos.line}: ${d.message}`)).toEqual([]);
  });
});
