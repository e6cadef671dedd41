import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
import { templatesBeside } from '../../dsl/files/template-files.ts';

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
