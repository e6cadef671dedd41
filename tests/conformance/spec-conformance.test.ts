/**
 * SPEC.md conformance: small focused cases, each a playbook, a timeline and
 * the report (or exit code) worked out by hand from SPEC.md, the reasoning in
 * the case's `why`. They run through the real CLI code path and compare key
 * for key (JSON text, so key order counts too).
 *
 * Cases where the engine disagrees with SPEC live in `cases/failing/` and are
 * not run here (unless `MILEPOST_CONFORMANCE_FAILING=1`); FINDINGS.md
 * describes each.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCaseFiles, runCase } from './run-case.ts';

const here = dirname(fileURLToPath(import.meta.url));

// `MILEPOST_CONFORMANCE_FAILING=1` runs the known disagreements instead (they fail until fixed).
const folder = process.env['MILEPOST_CONFORMANCE_FAILING'] === '1' ? join(here, 'cases', 'failing') : join(here, 'cases');
// `MILEPOST_CONFORMANCE_ENGINE=temporal` runs every report case with `--engine temporal` (reference §13:
// the same report); slow (a time-skipping server per case), so opt-in.
const engineArgs = process.env['MILEPOST_CONFORMANCE_ENGINE'] === 'temporal' ? ['--engine', 'temporal'] : [];

for (const { file, cases } of loadCaseFiles(folder)) {
  describe(file, () => {
    for (const c of cases) {
      it(c.name, { timeout: 120_000 }, async () => {
        const run = await runCase(c.expect !== undefined && c.argv === undefined ? { ...c, args: [...(c.args ?? []), ...engineArgs] } : c);
        if (c.exit !== undefined) {
          // A failed simulate prints no report; validate may list the files that are fine.
          const noReport = c.exit !== 0 && (c.command ?? 'simulate') === 'simulate';
          expect({ exit: run.exit, stdout: noReport ? run.stdout : '' }).toEqual({ exit: c.exit, stdout: '' });
          if (c.stderr !== undefined) expect(run.stderr).toMatch(new RegExp(c.stderr));
          if (c.exit === 0 && c.command === 'compile') expect(() => JSON.parse(run.stdout)).not.toThrow();
          if (c.exit === 2) expect(run.stderr.trim().split('\n')[0]).toMatch(new RegExp(`^milepost ${c.command ?? 'simulate'}: `));
          return;
        }
        // reference §11 (v2): what a timeline has that the playbook ignores is a warning line; nothing else on stderr.
        expect(run.stderr.split('\n').filter((l) => l !== '' && !/^[^:]+:\d+:\d+: warning: /.test(l)).join('\n')).toBe('');
        for (const pattern of c.warnings ?? []) expect(run.stderr).toMatch(new RegExp(pattern));
        expect(run.exit).toBe(0);
        const report = JSON.parse(run.stdout) as Record<string, unknown>;
        // reference §12: the report's keys, in order (v2 adds tasks, opportunities, next_term).
        expect(Object.keys(report)).toEqual(['playbook', 'customer', 'until', 'outcome', 'milestones', 'actions', 'risks', 'tasks', 'opportunities', 'next_term']);
        for (const [key, want] of Object.entries(c.expect ?? {})) {
          expect(report[key], key).toEqual(want);
          expect(JSON.stringify(report[key]), `${key} (key order)`).toBe(JSON.stringify(want));
        }
      });
    }
  });
}

// reference §13: `--engine temporal --json` prints the report, and nothing else, on stdout. Only a real
// process shows this (the Temporal core writes its logs to file descriptor 1, not to `io.stdout`).
describe.runIf(engineArgs.length > 0)('--engine temporal as a process', () => {
  it('prints only the JSON report on stdout', { timeout: 120_000 }, () => {
    const root = join(here, '..', '..');
    const golden = join(root, 'tests', 'golden', 'spec-worked-example');
    const out = spawnSync(process.execPath, [
      join(root, 'client', 'bin', 'milepost.js'), 'simulate',
      join(root, 'playbooks', 'clinic-first-year.yaml'), join(golden, 'timeline.yaml'), '--json', '--engine', 'temporal',
    ], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(out.status).toBe(0);
    expect(() => JSON.parse(out.stdout), out.stdout.split('\n')[0]).not.toThrow();
  });
});
