/**
 * Every golden case (tests/golden/) gives the same report, key for key, on
 * Temporal (`simulate --engine temporal`: real workflow, real worker,
 * time-skipping server) as in-process, and both match the hand-worked
 * expected report.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateOnTemporal, startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import { parseInstant } from '../../workflows/engine/index.ts';
import { compileFile, referenceReport, timelineFile } from './support/reference.ts';

const GOLDEN = resolve('tests/golden');

interface GoldenCase {
  playbook: string;
  timeline: string;
  until?: string;
  enrolled_at?: string;
}

const cases = readdirSync(GOLDEN, { withFileTypes: true })
  .filter((d) => d.isDirectory() && readdirSync(join(GOLDEN, d.name)).includes('case.json'))
  .map((d) => ({ name: d.name, dir: join(GOLDEN, d.name), spec: JSON.parse(readFileSync(join(GOLDEN, d.name, 'case.json'), 'utf8')) as GoldenCase }));

let harness: TemporalHarness & { stop(): Promise<void> };
beforeAll(async () => {
  harness = await startSimulationHarness();
});
afterAll(async () => {
  await harness?.stop();
});

describe('golden cases on Temporal', () => {
  it('has golden cases to run', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const { name, dir, spec } of cases) {
    it(`gives the in-process report for ${name}`, async () => {
      const ir = compileFile(resolve(dir, spec.playbook));
      const timeline = timelineFile(ir, join(dir, spec.timeline));
      const options = {
        ...(spec.until === undefined ? {} : { until: parseInstant(spec.until)! }),
        ...(spec.enrolled_at === undefined ? {} : { enrolledAt: parseInstant(spec.enrolled_at)! }),
      };
      const durable = await simulateOnTemporal(ir, timeline, options, harness);
      const inProcess = referenceReport(ir, timeline, options);
      expect(JSON.stringify(durable)).toBe(JSON.stringify(inProcess));
      expect(durable).toEqual(JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')));
    });
  }
});
