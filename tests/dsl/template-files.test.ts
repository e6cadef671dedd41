/**
 * (v2) Template files (reference §8): found beside the playbook, checked at the
 * `template:` line with the template file's own line in the message, carried
 * in the IR and covered by the source hash.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../client/cli/main.ts';
import { compilePlaybook, templatesFrom } from '../../dsl/index.ts';
import { HEADER, pos, where } from './helpers.ts';

/** A playbook whose one milestone reminds with `template: <name>`, and whose trigger reminds with `trigger`. */
function playbook(name: string, trigger = 'complaint-note'): string {
  return `${HEADER}milestones:
  - id: kickoff
    title: Kickoff
    due: month 1
    done_when: happened(activated)
    steps:
      - at: due - 7 days
        remind: owner
        template: ${name}
triggers:
  - id: complaint
    on: complaint
    actions:
      - remind: csm
        template: ${trigger}
`;
}

const GOOD = {
  'kickoff-soon': '---\nsubject: "{{customer.name}}: kickoff due {{milestone.due}}"\n---\n\nHello,\n\n**{{customer.name}}** has no kickoff yet ({{milestone.title}}).\n',
  'complaint-note': 'A {{event.channel}} complaint of severity {{event.severity}} from {{customer.name}}.\n',
};

describe('template files', () => {
  it('are carried in the IR: subject and body split into text and placeholders, by name', () => {
    const r = compilePlaybook(playbook('kickoff-soon'), 'p.yaml', { templates: templatesFrom(GOOD) });
    expect(r.diagnostics).toEqual([]);
    expect(r.ir!.templates!['kickoff-soon']).toEqual({
      file: 'templates/kickoff-soon.md',
      subject: { source: '{{customer.name}}: kickoff due {{milestone.due}}', parts: [{ kind: 'customer', attr: 'name' }, ': kickoff due ', { kind: 'milestone_due' }] },
      body: {
        source: 'Hello,\n\n**{{customer.name}}** has no kickoff yet ({{milestone.title}}).\n',
        parts: ['Hello,\n\n**', { kind: 'customer', attr: 'name' }, '** has no kickoff yet (', { kind: 'milestone_title' }, ').\n'],
      },
    });
    expect(r.ir!.templates!['complaint-note']!.subject).toBeNull();
    // `{{event.*}}` in a template a trigger uses is retained like any template field.
    expect(r.ir!.retention['complaint']!.fields).toEqual(['channel', 'severity']);
  });

  it('are covered by the source hash: a changed template is a new version', () => {
    const a = compilePlaybook(playbook('kickoff-soon'), 'p.yaml', { templates: templatesFrom(GOOD) }).ir!;
    const b = compilePlaybook(playbook('kickoff-soon'), 'p.yaml', { templates: templatesFrom({ ...GOOD, 'kickoff-soon': `${GOOD['kickoff-soon']}Thanks!\n` }) }).ir!;
    expect(a.sourceHash).not.toBe(b.sourceHash);
    const plain = compilePlaybook(HEADER, 'p.yaml').ir!;
    const again = compilePlaybook(HEADER, 'p.yaml', { templates: templatesFrom(GOOD) }).ir!;
    expect(again.sourceHash).toBe(plain.sourceHash); // no template used: the hash of the source alone
  });

  it.each<[string, Record<string, string>, string, string, string]>([
    ['a missing template, with a did-you-mean', GOOD, 'kickof-soon', 'TEMPLATE_NOT_FOUND', 'no file templates/kickof-soon.md; did you mean `kickoff-soon`?'],
    ['an unknown placeholder, with the template file and line', { ...GOOD, bad: 'Hi,\n\nplease call {{customer.nme}}.\n' }, 'bad', 'UNKNOWN_PLACEHOLDER', 'templates/bad.md:3:15: unknown placeholder `{{customer.nme}}`'],
    ['an event placeholder in a milestone', { ...GOOD, bad: '{{event.severity}}\n' }, 'bad', 'UNKNOWN_PLACEHOLDER', "templates/bad.md:1:3: `{{event.severity}}` can only be used in a trigger's actions"],
    ['a placeholder never closed, in the subject', { ...GOOD, bad: '---\nsubject: "Hi {{customer.name"\n---\nBody\n' }, 'bad', 'TEMPLATE_SYNTAX', 'templates/bad.md:2:14: this `{{` is never closed'],
    ['an unknown front matter key', { ...GOOD, bad: '---\nsubjet: Hi\n---\nBody\n' }, 'bad', 'TEMPLATE_FILE', 'templates/bad.md:2:1: unknown front matter key `subjet`'],
    ['a front matter never closed', { ...GOOD, bad: '---\nsubject: Hi\nBody\n' }, 'bad', 'TEMPLATE_FILE', 'never closed by a `---` line'],
    ['a subject that is not text', { ...GOOD, bad: '---\nsubject: [a, b]\n---\nBody\n' }, 'bad', 'TEMPLATE_FILE', 'templates/bad.md:2:10: `subject:` is one line of text'],
    ['an empty body', { ...GOOD, bad: '---\nsubject: Hi\n---\n\n' }, 'bad', 'TEMPLATE_FILE', 'has no body'],
    ['a name that is a path', GOOD, '../secrets', 'INVALID_ID', 'a template name is lowercase letters'],
  ])('%s is an error at the `template:` line', (_name, texts, name, code, words) => {
    const source = playbook(name);
    const r = compilePlaybook(source, 'p.yaml', { templates: templatesFrom(texts) });
    expect(r.ir).toBeUndefined();
    const d = r.diagnostics.find((x) => x.code === code);
    expect(d, JSON.stringify(r.diagnostics.map((x) => [x.code, x.message]))).toBeDefined();
    expect(pos(d!)).toBe(where(source, name));
    expect(d!.message).toContain(words);
  });

  it('are neither checked nor carried when the compiler is given no templates source', () => {
    const r = compilePlaybook(playbook('kickoff-soon'), 'p.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.ir!.templates).toEqual({});
  });
});

describe('milepost validate and compile find templates/ beside the playbook', () => {
  const sink = () => {
    const w = new Writable({ write(chunk, _e, done) { w.text += String(chunk); done(); } }) as Writable & { text: string };
    w.text = '';
    return w;
  };
  const run = async (argv: string[], cwd: string) => {
    const stdout = sink();
    const stderr = sink();
    const code = await main(argv, { stdout, stderr, cwd, env: {} });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
  const dir = mkdtempSync(join(tmpdir(), 'milepost-templates-'));
  mkdirSync(join(dir, 'books', 'templates'), { recursive: true });
  writeFileSync(join(dir, 'books', 'p.yaml'), playbook('kickoff-soon'));
  writeFileSync(join(dir, 'books', 'missing.yaml'), playbook('kickoff-later'));
  for (const [name, text] of Object.entries(GOOD)) writeFileSync(join(dir, 'books', 'templates', `${name}.md`), text);

  it('validates a playbook whose templates exist, from another working directory', async () => {
    const r = await run(['validate', 'books/p.yaml'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = await run(['compile', join(dir, 'books', 'p.yaml')], tmpdir());
    expect(c.code).toBe(0);
    expect(Object.keys(JSON.parse(c.stdout).templates)).toEqual(['complaint-note', 'kickoff-soon']);
  });

  it('names the missing template file at its line', async () => {
    const source = playbook('kickoff-later');
    const r = await run(['validate', 'books/missing.yaml'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`books/missing.yaml:${where(source, 'kickoff-later')}: error: unknown template \`kickoff-later\`: there is no file books/templates/kickoff-later.md (there: complaint-note, kickoff-soon)`);
  });
});
