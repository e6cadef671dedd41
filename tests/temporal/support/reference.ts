/**
 * The in-process reference run of a timeline, for comparing with the durable
 * run: the simulator when it is there, else the engine driven the simulator's
 * way (every event queued, advance to `until`, report).
 */
import { readFileSync } from 'node:fs';
import { compilePlaybook } from '../../../dsl/index.ts';
import type { PlaybookIR } from '../../../dsl/ir/schema.ts';
import { parseTimeline, type Timeline } from '../../../client/simulate/timeline.ts';
import { advanceJourney, journeyReport, receiveEvents, startJourney } from '../../../workflows/engine/index.ts';
import type { JourneyReport } from '../../../workflows/engine/types.ts';

export function compileFile(path: string): PlaybookIR {
  const { ir, diagnostics } = compilePlaybook(readFileSync(path, 'utf8'), path);
  if (!ir) throw new Error(`${path} does not compile: ${JSON.stringify(diagnostics)}`);
  return ir;
}

export function timelineFile(ir: PlaybookIR, path: string): Timeline {
  return parseTimeline(ir, readFileSync(path, 'utf8'), path);
}

export function referenceReport(ir: PlaybookIR, timeline: Timeline, options: { until?: number; enrolledAt?: number } = {}): JourneyReport {
  const until = options.until ?? timeline.contract.end;
  let state = startJourney(ir, { customer: timeline.customer, contract: timeline.contract, enrolledAt: options.enrolledAt ?? timeline.contract.start });
  state = receiveEvents(ir, state, timeline.events);
  state = advanceJourney(ir, state, until).state;
  return journeyReport(ir, state, until);
}
