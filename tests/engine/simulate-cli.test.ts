/**
 * The `simulate` and `explain` commands (reference §12–13) through the CLI entry
 * point, with in-memory streams.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../client/cli/main.ts';

const root = new URL('../../', import.meta.url).pathname;

function stream(tty = false) {
  const chunks: string[] = [];
  const s = new Writable({ write(chunk, _enc, cb) { chunks.push(String(chunk)); cb(); } }) as Writable & { isTTY?: boolean };
  if (tty) s.isTTY = true;
  return { s, text: () => chunks.join('') };
}

async function run(argv: string[], opts: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const out = stream(opts.tty);
  const err = stream(opts.tty);
  const code = await main(argv, { stdout: out.s, stderr: err.s, cwd: root, env: opts.env ?? {} });
  return { code, stdout: out.text(), stderr: err.text() };
}

const clinic = 'playbooks/clinic-first-year.yaml';
const spec = 'tests/golden/spec-worked-example/timeline.yaml';

function tmp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'milepost-sim-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const specTimeline = readFileSync(join(root, spec), 'utf8');

describe('milepost simulate', () => {
  it('prints the reference §12 report with --json', async () => {
    const r = await run(['simulate', clinic, spec, '--json', '--until', '2026-06-30']);
    expect(r.code).toBe(0);
    const expected = JSON.parse(readFileSync(join(root, 'tests/golden/spec-worked-example-june/expected.json'), 'utf8'));
    expect(JSON.parse(r.stdout)).toEqual(expected);
    // reference §12 (language version 2): tasks, opportunities and next_term after risks.
    expect(Object.keys(JSON.parse(r.stdout))).toEqual(['playbook', 'customer', 'until', 'outcome', 'milestones', 'actions', 'risks', 'tasks', 'opportunities', 'next_term']);
  });

  it('prints a readable timeline, coloured only on a TTY without NO_COLOR', async () => {
    const plain = await run(['simulate', clinic, spec]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('activation');
    expect(plain.stdout).toContain('Acme Clinic reached Customer activated');
    expect(plain.stdout).not.toContain('\u001b[');
    const tty = await run(['simulate', clinic, spec], { tty: true });
    expect(tty.stdout).toContain('\u001b[');
    const noColor = await run(['simulate', clinic, spec], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain('\u001b[');
  });

  it('honours --enrolled-at: nothing before enrolment is listed', async () => {
    const r = await run(['simulate', clinic, spec, '--json', '--enrolled-at', '2026-03-01']);
    const report = JSON.parse(r.stdout) as { actions: Array<{ at: string }>; risks: unknown[] };
    expect(report.actions.length).toBeGreaterThan(0);
    expect(report.actions.every((a) => a.at >= '2026-03-01')).toBe(true);
    expect(report.risks).toHaveLength(2); // raises before enrolment are still recorded
  });

  it('exits 2 with a one-line reason for a timeline that does not match the declarations', async () => {
    const cases: Array<[string, string]> = [
      [specTimeline.replace('type: activated', 'type: activation_done'), "event type 'activation_done' is not declared"],
      [specTimeline.replace('severity: 1', 'severity: high'), "field 'severity'"],
      [specTimeline.replace('  tier: growth\n', ''), "'tier'"],
      [specTimeline.replace('end: 2027-01-31', 'end: 2026-01-01'), 'after'],
      [specTimeline.replace('2026-03-02', '2026-02-30'), "'at'"],
      ['customer: [', 'not valid YAML'],
    ];
    for (const [text, reason] of cases) {
      const r = await run(['simulate', clinic, tmp('t.yaml', text), '--json']);
      expect(r.code, reason).toBe(2);
      expect(r.stderr).toContain(reason);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });

  it('exits 2 for wrong usage and unreadable files, 1 for a playbook that does not compile', async () => {
    expect((await run(['simulate', clinic])).code).toBe(2);
    expect((await run(['simulate', clinic, spec, '--until', 'next week'])).code).toBe(2);
    expect((await run(['simulate', clinic, spec, '--bogus'])).code).toBe(2);
    expect((await run(['simulate', clinic, 'no/such/file.yaml'])).code).toBe(2);
    expect((await run(['simulate', 'no/such/playbook.yaml', spec])).code).toBe(2);
    const broken = tmp('p.yaml', readFileSync(join(root, clinic), 'utf8').replace('happened(activated)', 'happened(activatd)'));
    expect((await run(['simulate', broken, spec])).code).toBe(1);
  });
});

describe('milepost simulate --summary (backtesting)', () => {
  function book(): string {
    const dir = mkdtempSync(join(tmpdir(), 'milepost-book-'));
    copyFileSync(join(root, spec), join(dir, 'acme.yaml'));
    copyFileSync(join(root, 'tests/golden/clinic-stable-renewed/timeline.yaml'), join(dir, 'bay.yaml'));
    mkdirSync(join(dir, 'ignored-folder'));
    return dir;
  }

  it('sums up a folder of timelines: rates per milestone, workload per person, risks', async () => {
    const r = await run(['simulate', clinic, book(), '--summary', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.customers).toBe(2);
    expect(s.outcomes).toEqual({ running: 0, renewed: 1, churned: 1, ended: 0 });
    // activation: acme done on time, bay skipped. renewal: acme missed, bay done.
    expect(s.milestones.find((m: { id: string }) => m.id === 'activation')).toMatchObject({ done: 1, late: 0, missed: 0, skipped: 1, on_time_rate: 1 });
    expect(s.milestones.find((m: { id: string }) => m.id === 'renewal')).toMatchObject({ done: 1, missed: 1, on_time_rate: 0.5, missed_rate: 0.5 });
    // Tasks and reminders of the two golden reports, by person: ada (csm) and max (manager).
    const ada = s.workload.people.find((p: { person: string }) => p.person === 'ada@example.com');
    const max = s.workload.people.find((p: { person: string }) => p.person === 'max@example.com');
    // acme: 4 tasks + 2 reminders to csm; bay: 5 tasks + 1 reminder to csm (see the golden NOTES).
    expect(ada).toMatchObject({ tasks: 9, reminders: 3 });
    expect(max).toMatchObject({ tasks: 0, reminders: 3 });
    expect(s.risks.find((x: { id: string }) => x.id === 'low_health')).toEqual({ id: 'low_health', raised: 2, customers: 2 });
    // Every one of ada's 12 falls in a different week (the golden reports' instants): peak 1.
    expect(ada.peak).toBe(1);
    expect(s.workload.peak).toBe(1);
    expect(ada.mean_per_week).toBeGreaterThan(0);
  });

  it('reads a CSV book and prints a readable summary', async () => {
    const csv = [
      'customer,contract_start,contract_end,name,segment,tier,arr,csm,manager,at,type,data.category,data.severity',
      'acme,2026-01-31,2027-01-31,Acme Clinic,clinic,growth,24000,ada@example.com,max@example.com,2026-02-20T09:30:00Z,activated,,',
      'acme,,,,,,,,,2026-03-02,ticket_opened,ops,1',
      'zed,2026-01-31,2027-01-31,Zed Vets,clinic,vip,5000,bo@example.com,max@example.com,,,,',
    ].join('\n');
    const r = await run(['simulate', clinic, tmp('book.csv', csv), '--summary']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 customer(s)');
    expect(r.stdout).toContain('activation');
    const bad = await run(['simulate', clinic, tmp('bad.csv', csv.replace('ops,1', 'ops,high')), '--summary']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("field 'severity'");
  });
});

describe('milepost explain', () => {
  it('explains a completion with the condition, its values and the events that counted', async () => {
    const r = await run(['explain', clinic, spec, 'activation']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('done at 2026-02-20T09:30:00.000Z');
    expect(r.stdout).toContain('happened(activated) = true');
    expect(r.stdout).toContain('2026-02-20 09:30 activated');
  });

  it('explains why a step did not fire and why a risk action did', async () => {
    const step = await run(['explain', clinic, spec, 'milestone/activation/step/0', '--json']);
    expect(JSON.parse(step.stdout).summary).toContain('did not fire: activation completed at 2026-02-20T09:30:00.000Z');
    const risk = await run(['explain', clinic, spec, 'risk/low_health/0', '--json']);
    const x = JSON.parse(risk.stdout);
    expect(x.summary).toContain('fired at 2026-01-31T00:00:00.000Z');
    expect(x.condition.parts.find((p: { text: string }) => p.text === 'health')).toMatchObject({ value: 25, evaluated: true });
  });

  it('exits 2 for a subject the playbook does not have', async () => {
    const r = await run(['explain', clinic, spec, 'nothing_here']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'nothing_here'");
  });
});
