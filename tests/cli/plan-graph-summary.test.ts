/**
 * Issue 15's findings on `plan`, `graph` and `simulate --summary`, and issue
 * 12 item 1 (`plan` says when a deploy changes behaviour because of the
 * language version). Each failed on main: `plan` listed an unchanged risk and
 * trigger as changed (expression ids and query indexes shift when anything is
 * added) and never said what changed; `graph` labelled every repeat instance
 * with the first one's window; the summary put a count between its rate
 * columns.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compilePlaybook, type PlaybookIR } from '../../dsl/index.ts';
import { main } from '../../client/cli/main.ts';
import { diffPlaybooks, renderPlan } from '../../client/temporal/playbook-plan.ts';

const root = new URL('../../', import.meta.url).pathname;
const clinicSource = readFileSync(join(root, 'playbooks/clinic-first-year.yaml'), 'utf8');
const vipSource = readFileSync(join(root, 'playbooks/enterprise-vip.yaml'), 'utf8');

function compile(source: string): PlaybookIR {
  const { ir, diagnostics } = compilePlaybook(source, 'p.yaml');
  if (!ir) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return ir;
}

function edit(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`not in the playbook: ${from}`);
  return source.replace(from, to);
}

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, done) { append(String(chunk)); done(); } });
  const code = await main(argv, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), cwd: root, env: {} });
  return { code, out, err };
}

describe('milepost plan (#15, #12)', () => {
  const before = compile(clinicSource);

  it('lists only what changed when a milestone is added first (risks and triggers untouched)', () => {
    const after = compile(edit(clinicSource, 'milestones:\n', 'milestones:\n  - id: hello\n    title: Hello\n    due: month 1\n    done_when: happened(complaint)\n'));
    expect(diffPlaybooks(before, after)).toEqual([
      { sign: '+', subject: 'milestone/hello', detail: 'opens start, due month 1', milestone: 'hello' },
    ]);
  });

  it('says what changed in a risk and a trigger, key by key', () => {
    const risky = compile(edit(clinicSource, '    when: health < 40\n    level: high                   # low | medium | high\n    cooldown: 30 days',
      '    when: health < 35\n    level: high\n    cooldown: 14 days'));
    expect(diffPlaybooks(before, risky)).toEqual([
      { sign: '~', subject: 'risk/low_health', detail: 'when: health < 40 → health < 35; cooldown: 30 days → 14 days' },
    ]);
    const urgent = compile(edit(clinicSource, 'due_in: 24 hours\n        priority: urgent', 'due_in: 24 hours\n        priority: low'));
    expect(diffPlaybooks(before, urgent)).toEqual([{ sign: '~', subject: 'trigger/complaint_sla', detail: 'actions: 0 open_task: priority' }]);
    const on = compile(edit(clinicSource, 'on: complaint where severity >= 2', 'on: complaint where severity >= 3'));
    expect(diffPlaybooks(before, on)).toEqual([
      { sign: '~', subject: 'trigger/complaint_sla', detail: 'on: complaint where severity >= 2 → complaint where severity >= 3' },
    ]);
  });

  it('says when the same text behaves differently because a version-1 IR is replaced by a version-2 one', () => {
    // The compiler writes `language: 2`; a version-1 IR has no `language` key.
    const v2: PlaybookIR = { ...compile(vipSource), language: 2 };
    const { language: _dropped, ...v1 } = v2;
    const changes = diffPlaybooks(v1 as PlaybookIR, v2);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ sign: '~', subject: 'language' });
    expect(changes[0]!.detail).toMatch(/^language version 1 → 2: the same text behaves differently: each instance of qbr, sponsor_checkin closes at the next instance's opens .*; tasks close by themselves .*; migrating fires catch-up/);
    const text = renderPlan({ playbook: v2.playbook, from: 'v1 sha256:old', to: 'sha256:new', changes, journeys: [] });
    expect(text).toContain('~ language: language version 1 → 2');
    // The same version on both sides: no language line.
    expect(diffPlaybooks(v2, v2)).toEqual([]);
  });
});

describe('milepost graph (#15)', () => {
  it('labels each repeat instance with its own window', async () => {
    const r = await run(['graph', 'playbooks/enterprise-vip.yaml', '--start', '2026-01-01']);
    expect(r.code).toBe(0);
    const bars = r.out.split('\n').filter((l) => /^ {2}qbr \d+ \(/.test(l));
    expect(bars).toEqual([
      '  qbr 1 (2026-01-01 to 2026-04-01) :m3, 2026-01-01, 2026-04-01',
      expect.stringMatching(/^ {2}qbr 2 \(2026-04-01 to 2026-07-01\) :m\d+, 2026-04-01, 2026-07-01$/),
      expect.stringMatching(/^ {2}qbr 3 \(2026-07-01 to 2026-10-01\) :m\d+, 2026-07-01, 2026-10-01$/),
      expect.stringMatching(/^ {2}qbr 4 \(2026-10-01 to 2027-01-01\) :m\d+, 2026-10-01, 2027-01-01$/),
    ]);
  });
});

describe('milepost simulate --summary (#15)', () => {
  it('puts the rates side by side, then the counts, every column aligned under its heading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'milepost-summary-'));
    copyFileSync(join(root, 'tests/golden/spec-worked-example/timeline.yaml'), join(dir, 'acme.yaml'));
    copyFileSync(join(root, 'tests/golden/clinic-stable-renewed/timeline.yaml'), join(dir, 'bay.yaml'));
    const r = await run(['simulate', 'playbooks/clinic-first-year.yaml', dir, '--summary']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const head = lines.findIndex((l) => l.startsWith('Milestones'));
    const header = lines[head]!;
    expect(header.split(/\s{2,}/).slice(1)).toEqual(['on time', 'late', 'missed', 'done', 'skipped', 'unsettled']);
    const rows = lines.slice(head + 1, lines.indexOf('', head + 1));
    expect(rows.length).toBeGreaterThan(2);
    // Right-aligned: every cell ends where its heading ends.
    const ends = ['on time', 'late', 'missed', 'done', 'skipped', 'unsettled'].map((h) => header.indexOf(h) + h.length);
    for (const row of rows) {
      for (const end of ends) {
        expect(row[end - 1], `${row} | column ending at ${end}`).toMatch(/[0-9%—]/);
        expect(row[end] ?? ' ').toBe(' ');
      }
      // The three rates come before any count.
      const cells = row.trim().split(/\s+/).slice(1);
      expect(cells.slice(0, 3).every((c) => c.endsWith('%') || c === '—')).toBe(true);
      expect(cells.slice(3).every((c) => /^\d+$/.test(c))).toBe(true);
    }
  });
});
