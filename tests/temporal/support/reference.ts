/**
 * The in-process reference run of a timeline, for comparing with the durable
 * run: the simulator (`milepost simulate` without `--engine`).
 */
import { readFileSync } from 'node:fs';
import { compilePlaybook } from '../../../dsl/index.ts';
import { templatesBeside } from '../../../client/files/template-files.ts';
import type { PlaybookIR } from '../../../dsl/ir/schema.ts';
import { parseTimeline, type Timeline } from '../../../client/simulate/timeline.ts';
import { simulateJourney } from '../../../client/simulate/run-journey.ts';
import type { JourneyReport } from '../../../workflows/engine/types.ts';

export function compileFile(path: string): PlaybookIR {
  const { ir, diagnostics } = compilePlaybook(readFileSync(path, 'utf8'), path, { templates: templatesBeside(path) });
  if (!ir) throw new Error(`${path} does not compile: ${JSON.stringify(diagnostics)}`);
  return ir;
}

export function timelineFile(ir: PlaybookIR, path: string): Timeline {
  return parseTimeline(ir, readFileSync(path, 'utf8'), path);
}

export function referenceReport(ir: PlaybookIR, timeline: Timeline, options: { until?: number; enrolledAt?: number } = {}): JourneyReport {
  return simulateJourney(ir, timeline, options).report;
}
