/**
 * One CLI convention for every command (issue 15): `--help`/`-h` print the
 * usage and exit 0, `--version` prints the version, options take `--opt=value`
 * as well as `--opt value`, wrong usage is one line plus the usage with exit
 * 2; colours go through one module that honours NO_COLOR and FORCE_COLOR; one
 * progress display with rate and ETA. Each of these failed on main before.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../client/cli/main.ts';
import { wantsColour } from '../../client/simulate/colours.ts';
import { createProgress, formatDuration } from '../../client/simulate/progress.ts';

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

async function run(argv: string[], opts: { cwd?: string; tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = sink(opts.tty ?? false);
  const stderr = sink(opts.tty ?? false);
  const code = await main(argv, { stdout, stderr, cwd: opts.cwd ?? root, env: opts.env ?? {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const COMMANDS = [
  'validate', 'compile', 'schema', 'graph', 'simulate', 'explain', 'worker', 'enrol', 'event', 'status',
  'plan', 'deploy', 'serve', 'import', 'report', 'task', 'user',
];

const ESC = '\u001b[';

describe('milepost --help, -h and --version (#15)', () => {
  it.each(COMMANDS)('%s --help and -h print its usage on stdout and exit 0', async (name) => {
    for (const flag of ['--help', '-h']) {
      const r = await run([name, flag]);
      expect(r.code, `${name} ${flag}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`usage: milepost ${name}`);
      expect(r.stderr).toBe('');
    }
  });

  it('milepost --version and <command> --version print the version and exit 0', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    for (const argv of [['--version'], ['validate', '--version']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`milepost ${pkg.version} (playbook language version 2)\n`);
    }
  });

  it('milepost help lists every command, none missing from the build', async () => {
    const r = await run(['help']);
    expect(r.code).toBe(0);
    for (const name of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(r.stdout).not.toContain('not available in this build');
  });
});

describe('options: one parser for every command (#15)', () => {
  it('takes --opt=value as well as --opt value (import --playbook=x used to be refused)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'milepost-conv-'));
    writeFileSync(join(dir, 'empty.csv'), 'id,contract_start,contract_end\n');
    for (const argv of [['import', 'empty.csv', '--playbook=onboarding'], ['import', 'empty.csv', '--playbook', 'onboarding']]) {
      const r = await run(argv, { cwd: dir, env: { MILEPOST_HOME: join(dir, 'none') } });
      // Past the parser: the file has no rows (exit 1), not wrong usage (exit 2).
      expect(r.stderr).toContain('empty.csv: no customer rows');
      expect(r.code).toBe(1);
    }
    const graph = await run(['graph', 'playbooks/enterprise-vip.yaml', '--mermaid', '--start=2026-03-01']);
    expect(graph.code).toBe(0);
    expect(graph.stdout).toContain('contract 2026-03-01 to 2027-03-01');
  });

  it.each([
    ['validate', '--bogus', 'playbooks/enterprise-vip.yaml'],
    ['graph', 'playbooks/enterprise-vip.yaml', '--bogus'],
    ['report', '--bogus'],
    ['import', 'x.csv', '--bogus'],
    ['serve', '--bogus'],
    ['schema', 'extra'],
    ['compile', '--bogus', 'playbooks/enterprise-vip.yaml'],
  ])('wrong usage (%s %s) is one line naming the problem, then the usage, exit 2', async (...argv) => {
    const r = await run(argv, { env: { MILEPOST_HOME: '/nonexistent-milepost-home' } });
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^milepost ${argv[0]}: `));
    expect(lines[1]).toMatch(new RegExp(`^usage: milepost ${argv[0]}`));
    expect(r.stdout).toBe('');
  });
});

describe('colours (#15)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'milepost-colour-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'playbook: bad\ntitle: Bad\ncustomer: { csm: string }\nevents: { usage: {} }\nrisks:\n  - id: r\n    title: R\n    level: low\n    when: count(usag) > 1 and customer.ar > 2\n');

  it('validate on a terminal with NO_COLOR=1 prints code frames without a single escape sequence', async () => {
    const r = await run(['validate', bad], { tty: true, env: { NO_COLOR: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(' | ');
    expect(r.stderr).not.toContain(ESC);
  });

  it('validate colours its frames on a terminal, and into a pipe only with FORCE_COLOR', async () => {
    expect((await run(['validate', bad], { tty: true })).stderr).toContain(ESC);
    expect((await run(['validate', bad], { tty: true, env: { FORCE_COLOR: '0' } })).stderr).not.toContain(ESC);
    expect(wantsColour({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColour({ isTTY: false }, {})).toBe(false);
    expect(wantsColour({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
  });

  it('the simulator view honours NO_COLOR on a terminal too', async () => {
    const argv = ['playbooks/clinic-first-year.yaml', 'tests/golden/spec-worked-example/timeline.yaml'];
    const coloured = await run(['simulate', ...argv], { tty: true });
    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toContain(ESC);
    const plain = await run(['simulate', ...argv], { tty: true, env: { NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain(ESC);
  });
});

describe('progress (#15: one module, with rate and ETA)', () => {
  it('shows the rate and the time left, measured from the first update', () => {
    let t = 0;
    const out = sink(false);
    const progress = createProgress(out, 1000, 'enrolled', { now: () => t });
    progress.update(0);
    t = 10_000;
    progress.update(100);
    t = 20_000;
    progress.update(200);
    progress.done();
    const lines = out.text.trimEnd().split('\n');
    expect(lines[0]).toBe('enrolled 0/1000 (—/s, ETA —)');
    expect(lines[1]).toBe('enrolled 100/1000 (10.0/s, ETA 1 min 30 s)');
    expect(lines[2]).toBe('enrolled 200/1000 (10.0/s, ETA 1 min 20 s)');
  });

  it('redraws one line in place on a terminal, without escape sequences', () => {
    let t = 0;
    const out = sink(true);
    const progress = createProgress(out, 10, 'checked', { now: () => t });
    progress.update(0);
    t = 1000;
    progress.update(5);
    t = 2000;
    progress.update(10);
    progress.done();
    expect(out.text).not.toContain(ESC);
    expect(out.text.split('\r').at(-1)).toMatch(/^checked  \[#{30}\] 10\/10  5\.0\/s\s*\n$/);
    expect(out.text).toContain('5/10  5.0/s  ETA 1 s');
  });

  it('formats durations', () => {
    expect(formatDuration(27_000)).toBe('27 s');
    expect(formatDuration(250_000)).toBe('4 min 10 s');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
  });
});
