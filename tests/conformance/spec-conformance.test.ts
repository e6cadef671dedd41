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
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCaseFiles, runCase } from './run-case.ts';

const here = dirname(fileURLToPath(import.meta.url));

// `MILEPOST_CONFORMANCE_FAILING=1` runs the known disagreements instead (they fail until fixed).
const folder = process.env['MILEPOST_CONFORMANCE_FAILING'] === '1' ? join(here, 'cases', 'failing') : join(here, 'cases');
// `MILEPOST_CONFORMANCE_ENGINE=temporal` runs every report case with `--engine temporal` (SPEC §13:
// the same report); slow (a time-skipping server per case), so opt-in.
const engineArgs = process.env['MILEPOST_CONFORMANCE_ENGINE'] === 'temporal' ? ['--engine', 'temporal'] : [];

for (const { file, cases } of loadCaseFiles(folder)) {
  describe(file, () => {
    for (const c of cases) {
      it(c.name, { timeout: 120_000 }, async () => {
        const run = await runCase(c.expect !== undefined && c.argv === undefined ? { ...c, args: [...(c.args ?? []), ...engineArgs] } : c);
        if (c.exit !== undefined) {
          expect({ exit: run.exit, stdout: c.exit === 0 ? '' : run.stdout }).toEqual({ exit: c.exit, stdout: '' });
          if (c.stderr !== undefined) expect(run.stderr).toMatch(new RegExp(c.stderr));
          if (c.exit === 0 && c.command === 'compile') expect(() => JSON.parse(run.stdout)).not.toThrow();
          if (c.exit === 2) expect(run.stderr.trim().split('\n')[0]).toMatch(new RegExp(`^milepost ${c.command ?? 'simulate'}: `));
          return;
        }
        expect(run.stderr).toBe('');
        expect(run.exit).toBe(0);
        const report = JSON.parse(run.stdout) as Record<string, unknown>;
        // SPEC §12: the report's keys, in order.
        expect(Object.keys(report)).toEqual(['playbook', 'customer', 'until', 'outcome', 'milestones', 'actions', 'risks']);
        for (const [key, want] of Object.entries(c.expect ?? {})) {
          expect(report[key], key).toEqual(want);
          expect(JSON.stringify(report[key]), `${key} (key order)`).toBe(JSON.stringify(want));
        }
      });
    }
  });
}
