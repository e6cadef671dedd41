/**
 * `milepost explain <playbook> <timeline> <milestone | risk | action source> [--until <instant>] [--enrolled-at <instant>] [--json]`:
 * why a milestone is in its state, why a risk was raised, why an action fired
 * (or did not) — the condition, the values it saw, the events that counted.
 */
import { resolve } from 'node:path';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { explain, UnknownSubjectError } from '../../../workflows/engine/explain.ts';
import { wantsColour } from '../../simulate/colours.ts';
import { renderExplanation } from '../../simulate/explain-view.ts';
import { loadPlaybookIR } from '../../simulate/load-playbook.ts';
import { simulateJourney } from '../../simulate/run-journey.ts';
import { loadTimeline, TimelineError } from '../../simulate/timeline.ts';
import { instantOption, parseCommandLine } from '../arguments.ts';

const command: Command = {
  summary: 'explain why a milestone, risk or action of a simulated journey is what it is',
  usage: 'milepost explain <playbook.yaml> <timeline.yaml> <milestone id | risk id | action source> [--until <instant>] [--enrolled-at <instant>] [--json]',
  async run(argv, io) {
    const parsed = parseCommandLine(argv, { until: { type: 'string' }, 'enrolled-at': { type: 'string' }, json: { type: 'boolean', default: false } });
    const { values, positionals } = parsed;
    if (positionals.length !== 3) throw new UsageError('name a playbook, a timeline and what to explain (e.g. activation, low_health or milestone/activation/step/0)');
    const [playbookFile, timelineFile, subject] = positionals as [string, string, string];
    const until = instantOption('until', values.until);
    const enrolledAt = instantOption('enrolled-at', values['enrolled-at']);
    const loaded = await loadPlaybookIR(playbookFile, io, 'explain');
    if ('exit' in loaded) return loaded.exit;
    const { ir } = loaded;
    let timeline;
    try {
      timeline = await loadTimeline(ir, resolve(io.cwd, timelineFile));
    } catch (err) {
      if (err instanceof TimelineError) {
        io.stderr.write(`milepost explain: ${err.message.replace(resolve(io.cwd, timelineFile), timelineFile)}\n`);
        return 2;
      }
      throw err;
    }
    const sim = simulateJourney(ir, timeline, { until, enrolledAt });
    let explanation;
    try {
      explanation = explain(ir, sim.state, subject, { initial: sim.initial, events: timeline.events });
    } catch (err) {
      if (err instanceof UnknownSubjectError) {
        io.stderr.write(`milepost explain: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
    io.stdout.write(values.json ? `${JSON.stringify(explanation, null, 2)}\n` : renderExplanation(explanation, wantsColour(io.stdout, io.env)));
    return 0;
  },
};

export default command;
