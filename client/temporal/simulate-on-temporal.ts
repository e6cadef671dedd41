/**
 * `milepost simulate --engine temporal`: the same journey as the in-process
 * simulator, run by the real journey workflow on a real worker against
 * Temporal's time-skipping test server, so a year passes in seconds.
 *
 * How events travel: events at or before enrolment (plus the first hour after
 * it) are the events known at enrolment and ride in the start input, as
 * `milepost enrol` does with stored events. Every later event is delivered as
 * a signal when the server's (skipped) clock stands one hour of domain time
 * before its instant: the workflow holds it until its instant and processes it
 * there (journey-driver.ts). Timers in between fire as they would in
 * production. At the end the clock is skipped past `until`, the journey is
 * nudged so it has processed `until`, and the report is read by query.
 *
 * Activities are dry-run (activities/dry-run.ts): a simulation delivers nothing.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, makeTelemetryFilterString, Runtime, type Worker } from '@temporalio/worker';
import { createDryRunActivities } from '../../activities/dry-run.ts';
import type { JourneyActivities } from '../../activities/index.ts';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { testServerPath } from '../../scripts/temporal/binaries.ts';
import { createJourneyWorker } from '../../worker/journey-worker.ts';
import type { JourneyEvent, JourneyReport } from '../../workflows/engine/types.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import { deliverEvents, getProgress, getReport } from '../../workflows/messages.ts';
import type { Timeline } from '../simulate/timeline.ts';
import { JOURNEY_WORKFLOW_TYPE, journeyWorkflowId } from './journey-gateway.ts';
import type { MetricFeed } from '../../workflows/metric-feed.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';

/** How far ahead of its instant (domain ms) an event is signalled. */
const SIGNAL_LEAD_MS = 3_600_000;
/** No signal is sent when a timer is due within this much domain time (ms). */
const TIMER_GUARD_MS = 1_000;

export interface SimulateOnTemporalOptions {
  /** Report instant, epoch ms; default `contract.end`. */
  until?: number;
  /** Enrolment instant, epoch ms; default `contract.start`. */
  enrolledAt?: number;
  /** Continue as new after this many history events (tests of continue-as-new). */
  historyLimit?: number;
  /**
   * How long before its instant (domain ms) each event is signalled; default
   * one hour. The cost benchmark uses 0, as events arrive in production.
   */
  signalLeadMs?: number;
  /**
   * Run the journey with this metric feed (workflows/metric-feed.ts): events
   * of its types are not signalled but handed to `store` at their instant, as
   * the API stores them, for the harness's `pullMetricEvents` activity to
   * serve. The cost benchmark compares the two ways.
   */
  metricFeed?: { feed: MetricFeed; store: (event: JourneyEvent) => void };
}

/**
 * A time-skipping environment and worker to reuse across simulations (tests
 * run many cases on one server, one case at a time). Without it each call
 * starts and stops its own server.
 */
export interface TemporalHarness {
  env: TestWorkflowEnvironment;
  worker: Worker;
  taskQueue: string;
}

/**
 * Starts a time-skipping server and a journey worker on it, with dry-run
 * activities unless others are given (tests pass real ones).
 */
export async function startSimulationHarness(activities: JourneyActivities = createDryRunActivities()): Promise<TemporalHarness & { stop(): Promise<void> }> {
  quietRuntime();
  const path = testServerPath();
  const env = existsSync(path)
    ? await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })
    : await TestWorkflowEnvironment.createTimeSkipping();
  const taskQueue = `simulate-${randomUUID()}`;
  try {
    const worker = await createJourneyWorker({ connection: env.nativeConnection, taskQueue, activities });
    const running = worker.run();
    // A worker that fails stops polling; say why instead of leaving the journey waiting.
    running.catch((err: unknown) => process.stderr.write(`journey worker failed: ${(err as Error).message}\n`));
    return {
      env, worker, taskQueue,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => {});
        await env.teardown();
      },
    };
  } catch (err) {
    await env.teardown();
    throw err;
  }
}

/** Runs the timeline's journey on Temporal and returns its report as of `until`. */
export async function simulateOnTemporal(ir: PlaybookIR, timeline: Timeline, options: SimulateOnTemporalOptions = {}, harness?: TemporalHarness): Promise<JourneyReport> {
  if (harness) return (await runJourneyOnTemporal(harness, ir, timeline, options)).report;
  const own = await startSimulationHarness();
  try {
    return (await runJourneyOnTemporal(own, ir, timeline, options)).report;
  } finally {
    await own.stop();
  }
}

/** {@link simulateOnTemporal} on a given harness, also naming the workflow it ran (tests inspect its history). */
export async function runJourneyOnTemporal({ env, taskQueue }: TemporalHarness, ir: PlaybookIR, timeline: Timeline, options: SimulateOnTemporalOptions): Promise<{ report: JourneyReport; workflowId: string; firstRunId: string }> {
  const { contract, customer } = timeline;
  const until = options.until ?? contract.end;
  const enrolledAt = options.enrolledAt ?? contract.start;
  // Events after `until` cannot change the report, and the journey ends at contract.end.
  const events = timeline.events.filter((e) => e.at <= until);
  const lead = options.signalLeadMs ?? SIGNAL_LEAD_MS;
  const early: JourneyEvent[] = [];
  const later: JourneyEvent[] = [];
  for (const event of events) (event.at <= enrolledAt + lead ? early : later).push(event);

  // The timeline's closes by people (reference §11), each at its instant, as the in-process simulator queues them.
  const closes = (timeline.tasks ?? []).filter((c) => c.at <= until);
  const feed = options.metricFeed;
  const pulled = (event: JourneyEvent) => feed !== undefined && feed.feed.types.includes(event.type);
  for (const event of early) if (pulled(event)) feed!.store(event);
  const input: JourneyInput = { kind: 'start', start: {
    ir, customer, contract, enrolledAt, domainStart: enrolledAt, events: early.filter((e) => !pulled(e)),
    ...(options.historyLimit === undefined ? {} : { historyLimit: options.historyLimit }),
    ...(feed === undefined ? {} : { metrics: feed.feed }),
    ...(closes.length === 0 ? {} : { taskCloses: closes.map(({ task, at, by, note }) => ({ task, at, by: by ?? null, note: note ?? null })) }),
  } };
  const handle = await env.client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, {
    workflowId: `${journeyWorkflowId(ir.playbook, customer.id)}:sim:${randomUUID()}`,
    taskQueue,
    args: [input],
  });
  const { clockOffsetMs } = await queryWhenReady(() => handle.query(getProgress));
  const domainNow = async () => (await env.currentTimeMs()) + clockOffsetMs;
  const skipTo = async (instant: number) => {
    const now = await domainNow();
    if (instant > now) await env.sleep(instant - now);
  };
  /** The domain instant of the journey's next timer (1 ms after its next instant), or null once it is done. */
  const nextTimer = async (): Promise<number | null> => {
    const progress = await handle.query(getProgress); // waits for a workflow task in flight
    return progress.nextWake === null ? null : Date.parse(progress.nextWake) + 1;
  };

  for (const event of later) {
    if (pulled(event)) {
      // Stored at its instant; the journey pulls it at its next wake-up.
      await skipTo(event.at);
      feed!.store(event);
      continue;
    }
    // Signal one hour ahead, at a moment no timer fires near: the test
    // server refuses a workflow task that carries a signal and the timer it
    // cancels ("invalid history builder state"), so timers due first fire first.
    for (;;) {
      const target = Math.max(await domainNow(), event.at - lead);
      const timer = await nextTimer();
      if (timer === null || timer > target + TIMER_GUARD_MS) {
        await skipTo(target);
        await handle.signal(deliverEvents, [event]);
        break;
      }
      await skipTo(timer);
    }
  }
  // Skip past `until` until the journey has processed it (or closed).
  for (;;) {
    const progress = await handle.query(getProgress);
    if (progress.nextWake === null || (progress.processedUntil !== null && Date.parse(progress.processedUntil) >= until)) break;
    await skipTo(Math.max(until + 1, Date.parse(progress.nextWake) + 1));
  }
  const report = await handle.query(getReport, until);
  // Let the journey run to its term's close rather than terminating it: the
  // test server keeps time skipping locked for a workflow terminated with a
  // task in flight, which would stall every later simulation on this server.
  await handle.result();
  return { report, workflowId: handle.workflowId, firstRunId: handle.firstExecutionRunId };
}

/** Keeps the SDK's INFO and WARN lines (worker state, server capabilities) out of the simulator's output. */
function quietRuntime(): void {
  try {
    // Errors only, and on stderr: stdout carries the report (`--json`).
    Runtime.install({
      logger: new DefaultLogger('ERROR', (entry) => process.stderr.write(`${entry.level} ${entry.message}\n`)),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
    });
  } catch {
    // Already installed by the host process (a test, the worker): keep its logger.
  }
}

/** The first query can race the first workflow task; retry briefly. */
async function queryWhenReady<T>(query: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await query();
    } catch (err) {
      if (attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
