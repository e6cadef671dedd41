/**
 * Differential check of the engine against a naive, independent model of
 * reference §3–§12 (naive-reference.ts): random scenarios of one playbook family
 * (windows in hours and days, days_since, health with a null component,
 * since opens in weekly-ish repeats, cooldown, enrolment, until; and a
 * second family on calendar months, naive-months.ts; a third on windowed
 * aggregates, naive-aggregates.ts), each compared key for key with the
 * simulator's report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
import { parseTimeline } from '../../client/simulate/timeline.ts';
import { simulateJourney } from '../../client/simulate/run-journey.ts';
import { generateScenario, naiveReport, scenarioPlaybook, scenarioTimeline } from './naive-reference.ts';
import { generateMonthScenario, monthPlaybook, monthTimeline, naiveMonthReport } from './naive-months.ts';
import { aggregatePlaybook, aggregateTimeline, generateAggregateScenario, naiveAggregateReport } from './naive-aggregates.ts';
import { generateV2Scenario, naiveV2Report, patchV2, v2Playbook, v2Timeline } from './naive-v2.ts';
import { advanceJourney, journeyReport, receiveEvents, receiveTaskClose, startJourney } from '../../workflows/engine/index.ts';

const RUNS = Number(process.env['MILEPOST_CONFORMANCE_RUNS'] ?? 300);

/** Each family: a scenario from a seed, its playbook and timeline, and the naive report. */
const FAMILIES = [
  { name: 'hours and days', gen: generateScenario, playbook: scenarioPlaybook, timeline: scenarioTimeline, naive: naiveReport },
  { name: 'calendar months', gen: generateMonthScenario, playbook: monthPlaybook, timeline: monthTimeline, naive: naiveMonthReport },
  { name: 'aggregates', gen: generateAggregateScenario, playbook: aggregatePlaybook, timeline: aggregateTimeline, naive: naiveAggregateReport },
] as const;

describe('engine vs a naive hour-by-hour model of SPEC', () => {
  for (const family of FAMILIES) {
    // Month scenarios are longer terms (more hours to walk): a third as many.
    const runs = family.name === 'calendar months' ? Math.ceil(RUNS / 3) : RUNS;
    it(`agrees on ${runs} random ${family.name} scenarios`, () => {
      for (let seed = 1; seed <= runs; seed++) {
        const sc = family.gen(seed) as never;
        const { ir, diagnostics } = compilePlaybook(family.playbook(sc), 'differential.yaml');
        if (ir === undefined) throw new Error(`${family.name} seed ${seed}: ${diagnostics.map((d) => d.message).join('; ')}`);
        // These three models are of language version 1 (a journey pinned to a version-1 IR must keep
        // behaving exactly so); version 2 has its own family below.
        delete ir.language;
        const timeline = parseTimeline(ir, family.timeline(sc), 'timeline.yaml');
        const { until, enrolledAt } = sc as { until: number; enrolledAt?: number };
        const { report } = simulateJourney(ir, timeline, { until, enrolledAt });
        expect(JSON.stringify(report, null, 1), `${family.name} seed ${seed}`).toBe(JSON.stringify(family.naive(sc), null, 1));
      }
    });
  }
});

// Language version 2 (closes, repeats' default close, tasks and people's closes, overdue, when, from,
// opportunities, count_distinct, catch-up at enrolment): the engine driven directly, so closes of
// tasks that never open (a trigger held back by its when) are simply dropped, as reference §5.2 says.
describe('engine vs a naive hour-by-hour model of SPEC language version 2', () => {
  it(`agrees on ${RUNS} random version-2 scenarios`, () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const sc = generateV2Scenario(seed);
      const { ir, diagnostics } = compilePlaybook(v2Playbook(sc), 'differential-v2.yaml');
      if (ir === undefined) throw new Error(`v2 seed ${seed}: ${diagnostics.map((d) => d.message).join('; ')}`);
      patchV2(ir, sc);
      const timeline = parseTimeline(ir, v2Timeline(sc), 'timeline.yaml');
      let state = startJourney(ir, { customer: timeline.customer, contract: timeline.contract, enrolledAt: sc.enrolledAt });
      state = receiveEvents(ir, state, timeline.events);
      for (const close of sc.closes) state = receiveTaskClose(ir, state, { task: close.task, at: close.at, by: 'ada' });
      state = advanceJourney(ir, state, sc.until).state;
      const report = journeyReport(ir, state, sc.until);
      expect(JSON.stringify(report, null, 1), `v2 seed ${seed}`).toBe(JSON.stringify(naiveV2Report(sc), null, 1));
    }
  });
});

// `MILEPOST_CONFORMANCE_ENGINE=temporal`: the same scenarios on the durable workflow (reference §13: the same
// report), a few per family on one shared time-skipping server.
describe.runIf(process.env['MILEPOST_CONFORMANCE_ENGINE'] === 'temporal')('--engine temporal vs the naive models', () => {
  const TEMPORAL_RUNS = Number(process.env['MILEPOST_CONFORMANCE_TEMPORAL_RUNS'] ?? 15);
  let harness: Awaited<ReturnType<typeof import('../../client/temporal/simulate-on-temporal.ts')['startSimulationHarness']>>;
  let simulate: typeof import('../../client/temporal/simulate-on-temporal.ts')['simulateOnTemporal'];
  beforeAll(async () => {
    const mod = await import('../../client/temporal/simulate-on-temporal.ts');
    simulate = mod.simulateOnTemporal;
    harness = await mod.startSimulationHarness();
  }, 120_000);
  afterAll(async () => harness?.stop(), 60_000);

  for (const family of FAMILIES) {
    it(`agrees on ${TEMPORAL_RUNS} ${family.name} scenarios`, { timeout: 900_000 }, async () => {
      for (let seed = 1; seed <= TEMPORAL_RUNS; seed++) {
        const sc = family.gen(seed) as never;
        const { ir } = compilePlaybook(family.playbook(sc), 'differential.yaml');
        delete ir!.language;
        const timeline = parseTimeline(ir!, family.timeline(sc), 'timeline.yaml');
        const { until, enrolledAt } = sc as { until: number; enrolledAt?: number };
        const report = await simulate(ir!, timeline, { until, enrolledAt }, harness);
        expect(JSON.stringify(report, null, 1), `${family.name} seed ${seed}`).toBe(JSON.stringify(family.naive(sc), null, 1));
      }
    });
  }
});
