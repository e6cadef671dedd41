import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../client/cli/main.ts';
import { PlaybookIR } from '../../dsl/index.ts';
import { templatesBeside } from '../../client/files/template-files.ts';
import { codeFrame } from '../../client/cli/diagnostics-printer.ts';
import { compilePlaybook } from '../../dsl/index.ts';

const root = new URL('../../', import.meta.url).pathname;

function sink(isTTY = false): Writable & { text: string; isTTY: boolean } {
  const w = new Writable({
    write(chunk, _enc, done) {
      w.text += String(chunk);
      done();
    },
  }) as Writable & { text: string; isTTY: boolean };
  w.text = '';
  w.isTTY = isTTY;
  return w;
}

async function run(argv: string[], opts: { cwd?: string; tty?: boolean } = {}) {
  const stdout = sink();
  const stderr = sink(opts.tty ?? false);
  const code = await main(argv, { stdout, stderr, cwd: opts.cwd ?? root, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const dir = mkdtempSync(join(tmpdir(), 'milepost-dsl-'));
const bad = join(dir, 'bad.yaml');
writeFileSync(bad, 'playbook: bad\ntitle: Bad\ncustomer: { csm: string }\nevents: { usage: {} }\nrisks:\n  - id: r\n    title: R\n    level: low\n    when: count(usag) > 1 and customer.ar > 2\n');

describe('milepost validate', () => {
  it('exits 0 for every reference playbook', async () => {
    const r = await run(['validate', 'playbooks/clinic-first-year.yaml', 'playbooks/enterprise-vip.yaml', 'playbooks/at-risk-save.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('exits 1 with one path:line:col line per problem on stderr', async () => {
    const r = await run(['validate', bad]);
    expect(r.code).toBe(1);
    const line9 = '    when: count(usag) > 1 and customer.ar > 2';
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      `${bad}:9:${line9.indexOf('usag') + 1}: error: unknown event type \`usag\`; did you mean \`usage\`?`,
      `${bad}:9:${line9.indexOf('.ar') + 2}: error: the customer has no attribute \`ar\``,
    ]);
  });

  it('adds a code frame with carets under the token on a terminal', async () => {
    const r = await run(['validate', bad], { tty: true });
    const plain = r.stderr.replace(/\x1b\[[0-9;]*m/g, '');
    expect(plain).toContain('9 |     when: count(usag) > 1 and customer.ar > 2\n  |                 ^^^^\n');
    expect(plain).toContain(`  | ${' '.repeat('    when: count(usag) > 1 and customer.'.length)}^^\n`);
  });

  it('prints the diagnostics as JSON with --json', async () => {
    const r = await run(['validate', '--json', bad, 'playbooks/at-risk-save.yaml']);
    expect(r.code).toBe(1);
    const diagnostics = JSON.parse(r.stdout) as Array<{ code: string; file: string; linePos: { line: number } }>;
    expect(diagnostics.map((d) => [d.code, d.file, d.linePos.line])).toEqual([
      ['UNKNOWN_EVENT', bad, 9],
      ['UNKNOWN_ATTRIBUTE', bad, 9],
    ]);
    expect(r.stderr).toBe('');
  });

  it('exits 2 for an unreadable file and for no file at all', async () => {
    const r = await run(['validate', join(dir, 'missing.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.yaml: cannot read: no such file');
    expect((await run(['validate'])).code).toBe(2);
  });
});

describe('milepost compile', () => {
  it('prints the IR as JSON that the IR schema accepts', async () => {
    const r = await run(['compile', 'playbooks/clinic-first-year.yaml']);
    expect(r.code).toBe(0);
    const ir = PlaybookIR.parse(JSON.parse(r.stdout));
    expect(ir.playbook).toBe('clinic-first-year');
  });

  it('hashes like the pure compiler does', async () => {
    const r = await run(['compile', 'playbooks/at-risk-save.yaml']);
    const { readFileSync } = await import('node:fs');
    const pure = compilePlaybook(readFileSync(join(root, 'playbooks/at-risk-save.yaml'), 'utf8'), 'x', { templates: templatesBeside(join(root, 'playbooks/at-risk-save.yaml')) });
    expect(JSON.parse(r.stdout).sourceHash).toBe(pure.ir!.sourceHash);
  });

  it('exits 1 and prints nothing on stdout for an invalid playbook', async () => {
    const r = await run(['compile', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });
});

describe('milepost schema', () => {
  it('prints a draft-07 JSON Schema listing the playbook keys', async () => {
    const r = await run(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { $schema: string; required: string[]; properties: Record<string, unknown>; additionalProperties: boolean };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(expect.arrayContaining(['playbook', 'title', 'customer', 'events']));
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['milestones', 'risks', 'triggers', 'health', 'applies_to']));
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('milepost graph', () => {
  it('draws milestones, ladder steps and repeat instances as a Mermaid Gantt', async () => {
    const r = await run(['graph', 'playbooks/enterprise-vip.yaml', '--mermaid', '--start', '2026-01-31']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('gantt');
    expect(lines).toContain('  dateFormat YYYY-MM-DD');
    // Each instance shifts the unshifted instant in one calendar addition
    // (reference §5.1): opens Jan 31 -> Apr 30; due Apr 30 (month 3) -> Jul 30.
    expect(lines.filter((l) => l.startsWith('  qbr 1 (') || l.startsWith('  qbr 2 ('))).toEqual([
      // Each instance labelled with its own window (#15: all said "(start to month 3)").
      '  qbr 1 (2026-01-31 to 2026-04-30) :m3, 2026-01-31, 2026-04-30',
      '  qbr 2 (2026-04-30 to 2026-07-30) :m8, 2026-04-30, 2026-07-30',
    ]);
    expect(lines.filter((l) => /^ {2}qbr \d+ \(/.test(l))).toHaveLength(4);
    // The last QBR's "due + 2 weeks" escalation falls after the term: not drawn.
    expect(lines.filter((l) => l.startsWith('  qbr 4 step'))).toHaveLength(3);
    expect(lines.some((l) => l.includes('kickoff step 0 due - 1 week, remind csm :milestone,') && l.endsWith('2026-02-14, 0d'))).toBe(true);
  });

  it('exits 2 on a bad date', async () => {
    expect((await run(['graph', 'playbooks/enterprise-vip.yaml', '--mermaid', '--start', 'soon'])).code).toBe(2);
  });

  it('draws a milestone whose opens is written from its due', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'milepost-graph-'));
    const file = join(dir, 'renewal.yaml');
    writeFileSync(file, [
      'playbook: opens-from-due', 'title: Opens from due', 'customer: { csm: string }', 'events: { signed: {} }',
      'milestones:', '  - id: renewal', '    title: Renewal', '    due: contract.end - 1 day', '    opens: due - 30 days',
      '    done_when: happened(signed)', '    steps:', '      - at: opens', '        remind: owner', '        message: window open', '',
    ].join('\n'));
    const r = await run(['graph', file, '--mermaid', '--start', '2026-01-01']);
    expect(r.code).toBe(0);
    // due = 2027-01-01 - 1 day; opens = due - 30 days, as the engine lays them out.
    expect(r.stdout).toContain('  renewal (due - 30 days to contract.end - 1 day) :m0, 2026-12-01, 2026-12-31\n');
    expect(r.stdout).toContain('  renewal step 0 opens, remind csm :milestone, m1, 2026-12-01, 0d\n');
  });
});

describe('codeFrame', () => {
  it('cuts long lines around the caret', () => {
    const long = `when: ${'x'.repeat(200)} customer.ar`;
    const r = compilePlaybook(`${long}\n`, 'f.yaml');
    const frame = codeFrame({ ...r.diagnostics[0]!, range: [long.indexOf('customer'), long.indexOf('customer') + 8], linePos: { line: 1, col: long.indexOf('customer') + 1 } }, long);
    const [text, carets] = frame.split('\n');
    expect(text!.length).toBeLessThan(120);
    expect(text!.slice(carets!.indexOf('^'), carets!.indexOf('^') + 8)).toBe('customer');
  });
});
