/**
 * `milepost simulate <playbook> <timeline> [--until <instant>] [--enrolled-at <instant>] [--json] [--engine temporal]`
 * runs a journey deterministically in-process (reference §12–13) and prints the
 * report (`--json`) or a readable timeline.
 *
 * `milepost simulate <playbook> <folder | file.csv> --summary [--json]`
 * backtests a whole book of customers: on-time / late / missed rates per
 * milestone, tasks and reminders per person per week, risks raised.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command, CommandIO } from '../command.ts';
import { UsageError } from '../command.ts';
import { appliesTo } from '../../../workflows/engine/index.ts';
import { instantOption, parseCommandLine } from '../arguments.ts';
import { loadBook, runBacktest } from '../../simulate/backtest.ts';
import { renderSummary } from '../../simulate/summary-view.ts';
import { wantsColour } from '../../simulate/colours.ts';
import { loadPlaybookIR } from '../../simulate/load-playbook.ts';
import { simulateJourney } from '../../simulate/run-journey.ts';
import { renderJourney } from '../../simulate/terminal-view.ts';
import { loadTimeline, TimelineError } from '../../simulate/timeline.ts';
import { createProgress } from '../../simulate/progress.ts';

const USAGE = [
  'milepost simulate <playbook.yaml> <timeline.yaml> [--until <instant>] [--enrolled-at <instant>] [--json] [--engine inprocess|temporal]',
  '       milepost simulate <playbook.yaml> <folder of timelines | timelines.csv> --summary [--until <instant>] [--json]',
].join('\n');

const simulate: Command = {
  summary: 'simulate a journey (or backtest a book of customers) on a virtual clock',
  usage: USAGE,
  async run(argv, io) {
    const parsed = parseCommandLine(argv, {
      until: { type: 'string' },
      'enrolled-at': { type: 'string' },
      json: { type: 'boolean', default: false },
      summary: { type: 'boolean', default: false },
      engine: { type: 'string', default: 'inprocess' },
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 2) throw new UsageError('name a playbook and a timeline (or, with --summary, a folder or CSV of timelines)');
    const engine = values.engine;
    if (engine !== 'inprocess' && engine !== 'temporal') throw new UsageError(`--engine must be inprocess or temporal, got '${engine}'`);
    const until = instantOption('until', values.until);
    const enrolledAt = instantOption('enrolled-at', values['enrolled-at']);
    const [playbookFile, timelinePath] = positionals as [string, string];

    const loaded = await loadPlaybookIR(playbookFile, io, 'simulate');
    if ('exit' in loaded) return loaded.exit;
    const { ir } = loaded;

    if (values.summary) {
      if (engine !== 'inprocess') throw new UsageError('--summary runs in-process only');
      if (enrolledAt !== undefined) throw new UsageError('--enrolled-at applies to one timeline, not to a --summary backtest');
      try {
        const book = await loadBook(ir, resolve(io.cwd, timelinePath), timelinePath);
        // Only on a terminal: a backtest's output is often piped into a file.
        const bar = io.stderr.isTTY === true ? createProgress(io.stderr, book.length, 'simulating') : null;
        const summary = runBacktest(ir, book, { until, ...(bar ? { onProgress: (done: number) => bar.update(done) } : {}) });
        bar?.done();
        io.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary, wantsColour(io.stdout, io.env)));
        return 0;
      } catch (err) {
        if (err instanceof TimelineError) {
          io.stderr.write(`milepost simulate: ${err.message}\n`);
          return 2;
        }
        throw err;
      }
    }

    const path = resolve(io.cwd, timelinePath);
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) throw new UsageError(`${timelinePath} is a folder: add --summary to backtest every timeline in it`);
    let timeline;
    try {
      timeline = await loadTimeline(ir, path);
    } catch (err) {
      if (err instanceof TimelineError) {
        io.stderr.write(`milepost simulate: ${err.message.replace(path, timelinePath)}\n`);
        return 2;
      }
      throw err;
    }
    // reference §11 (v2): what the timeline has that the playbook ignores, one warning a line (the exit code stays 0).
    for (const warning of timeline.warnings ?? []) io.stderr.write(`${warning.replace(path, timelinePath)}\n`);
    if (!appliesTo(ir, timeline.customer, timeline.contract)) {
      io.stderr.write(`milepost simulate: ${timelinePath}: customer '${timeline.customer.id}' does not match the playbook's applies_to (${ir.appliesTo?.source})\n`);
      return 2;
    }
    if (engine === 'temporal') {
      const modulePath = '../../temporal/simulate-on-temporal.ts';
      const { simulateOnTemporal } = (await import(modulePath)) as typeof import('../../temporal/simulate-on-temporal.ts');
      const report = await simulateOnTemporal(ir, timeline, { until, enrolledAt });
      if (values.json) return print(io, JSON.stringify(report, null, 2));
      // The workflow reports no transitions: the view shows milestones, actions and risks.
      io.stdout.write(renderJourney(ir, timeline, { report, transitions: [] }, wantsColour(io.stdout, io.env)));
      return 0;
    }
    let sim;
    try {
      sim = simulateJourney(ir, timeline, { until, enrolledAt });
    } catch (err) {
      // (v2) the timeline's `tasks:` closes a task the journey never opens (reference §11: exit 2, with its line)
      if (err instanceof TimelineError) {
        io.stderr.write(`milepost simulate: ${err.message.replace(path, timelinePath)}\n`);
        return 2;
      }
      throw err;
    }
    if (values.json) return print(io, JSON.stringify(sim.report, null, 2));
    io.stdout.write(renderJourney(ir, timeline, sim, wantsColour(io.stdout, io.env)));
    return 0;
  },
};

function print(io: CommandIO, text: string): number {
  io.stdout.write(`${text}\n`);
  return 0;
}

export default simulate;
