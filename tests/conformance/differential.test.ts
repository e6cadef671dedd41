/**
 * Differential check of the engine against a naive, independent model of
 * SPEC §3–§12 (naive-reference.ts): random scenarios of one playbook family
 * (windows in hours and days, days_since, health with a null component,
 * since opens in weekly-ish repeats, cooldown, enrolment, until), each
 * compared key for key with the simulator's report.
 */
import { describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
import { parseTimeline } from '../../client/simulate/timeline.ts';
import { simulateJourney } from '../../client/simulate/run-journey.ts';
import { generateScenario, naiveReport, scenarioPlaybook, scenarioTimeline } from './naive-reference.ts';

const RUNS = Number(process.env['MILEPOST_CONFORMANCE_RUNS'] ?? 300);

describe('engine vs a naive hour-by-hour model of SPEC', () => {
  it(`agrees on ${RUNS} random scenarios`, () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const sc = generateScenario(seed);
      const { ir, diagnostics } = compilePlaybook(scenarioPlaybook(sc), 'differential.yaml');
      if (ir === undefined) throw new Error(`seed ${seed}: ${diagnostics.map((d) => d.message).join('; ')}`);
      const timeline = parseTimeline(ir, scenarioTimeline(sc), 'timeline.yaml');
      const { report } = simulateJourney(ir, timeline, { until: sc.until, enrolledAt: sc.enrolledAt });
      expect(JSON.stringify(report, null, 1), `seed ${seed}`).toBe(JSON.stringify(naiveReport(sc), null, 1));
    }
  });
});
