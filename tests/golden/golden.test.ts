/**
 * Golden simulation cases: each folder holds a playbook (or names a reference
 * playbook), a timeline, optional `--until` / `--enrolled-at`, and the report
 * expected — worked out by hand from SPEC.md (the reasoning is in each
 * folder's NOTES.md), never copied from the engine's output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
import { templatesBeside } from '../../client/files/template-files.ts';
import { parseTimeline } from '../../client/simulate/timeline.ts';
import { simulateJourney } from '../../client/simulate/run-journey.ts';
import { parseInstant } from '../../workflows/engine/index.ts';

const here = dirname(fileURLToPath(import.meta.url));

interface GoldenCase {
  playbook: string;
  timeline: string;
  until?: string;
  enrolled_at?: string;
}

/** Every golden case: its folder name and what it runs. */
export function goldenCases(): Array<{ name: string; dir: string; spec: GoldenCase }> {
  return readdirSync(here, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ name: d.name, dir: join(here, d.name) }))
    .filter(({ dir }) => readdirSync(dir).includes('case.json'))
    .map(({ name, dir }) => ({ name, dir, spec: JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as GoldenCase }));
}

function run(dir: string, spec: GoldenCase) {
  const playbookPath = resolve(dir, spec.playbook);
  const { ir, diagnostics } = compilePlaybook(readFileSync(playbookPath, 'utf8'), playbookPath, { templates: templatesBeside(playbookPath) });
  if (ir === undefined) throw new Error(`${spec.playbook} does not compile: ${diagnostics.map((d) => d.message).join('; ')}`);
  const timeline = parseTimeline(ir, readFileSync(join(dir, spec.timeline), 'utf8'), spec.timeline);
  const until = spec.until === undefined ? undefined : parseInstant(spec.until)!;
  const enrolledAt = spec.enrolled_at === undefined ? undefined : parseInstant(spec.enrolled_at)!;
  return simulateJourney(ir, timeline, { until, enrolledAt });
}

describe('golden simulation reports', () => {
  for (const { name, dir, spec } of goldenCases()) {
    it(`matches the hand-worked report for ${name}`, () => {
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
      const { report } = run(dir, spec);
      expect(report).toEqual(expected);
      // reference §12 key order, key for key.
      expect(JSON.stringify(report)).toBe(JSON.stringify(expected));
    });
  }

  it('is deterministic: the same input twice gives deep-equal results', () => {
    for (const { dir, spec } of goldenCases()) {
      const a = run(dir, spec);
      const b = run(dir, spec);
      expect(b.report).toEqual(a.report);
      expect(b.state).toEqual(a.state);
      expect(b.fired).toEqual(a.fired);
      expect(b.transitions).toEqual(a.transitions);
    }
  });
});
