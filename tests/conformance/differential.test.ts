/**
 * Differential check of the engine against a naive, independent model of
 * SPEC §3–§12 (naive-reference.ts): random scenarios of one playbook family
 * (windows in hours and days, days_since, health with a null component,
 * since opens in weekly-ish repeats, cooldown, enrolment, until; and a
 * second family on calendar months, naive-months.ts; a third on windowed
 * aggregates, naive-aggregates.ts), each compared key for key with the
 * simulator's report.
 */
import { describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
import { parseTimeline } from '../../client/simulate/timeline.ts';
import { simulateJourney } from '../../client/simulate/run-journey.ts';
import { generateScenario, naiveReport, scenarioPlaybook, scenarioTimeline } from './naive-reference.ts';
import { generateMonthScenario, monthPlaybook, monthTimeline, naiveMonthReport } from './naive-months.ts';
import { aggregatePlaybook, aggregateTimeline, generateAggregateScenario, naiveAggregateReport } from './naive-aggregates.ts';

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

  it(`agrees on ${Math.ceil(RUNS / 3)} random calendar-month scenarios`, () => {
    for (let seed = 1; seed <= Math.ceil(RUNS / 3); seed++) {
      const sc = generateMonthScenario(seed);
      const { ir, diagnostics } = compilePlaybook(monthPlaybook(sc), 'differential-months.yaml');
      if (ir === undefined) throw new Error(`seed ${seed}: ${diagnostics.map((d) => d.message).join('; ')}`);
      const timeline = parseTimeline(ir, monthTimeline(sc), 'timeline.yaml');
      const { report } = simulateJourney(ir, timeline, { until: sc.until, enrolledAt: sc.enrolledAt });
      expect(JSON.stringify(report, null, 1), `month seed ${seed}`).toBe(JSON.stringify(naiveMonthReport(sc), null, 1));
    }
  });

  it(`agrees on ${RUNS} random aggregate scenarios`, () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const sc = generateAggregateScenario(seed);
      const { ir, diagnostics } = compilePlaybook(aggregatePlaybook(sc), 'differential-aggregates.yaml');
      if (ir === undefined) throw new Error(`seed ${seed}: ${diagnostics.map((d) => d.message).join('; ')}`);
      const timeline = parseTimeline(ir, aggregateTimeline(sc), 'timeline.yaml');
      const { report } = simulateJourney(ir, timeline, { until: sc.until });
      expect(JSON.stringify(report, null, 1), `aggregate seed ${seed}`).toBe(JSON.stringify(naiveAggregateReport(sc), null, 1));
    }
  });
});
