/**
 * The journey workflow: one customer's journey through one pinned playbook.
 *
 * A thin shell around the pure engine (through {@link catchUp}): it takes
 * events in as signals, sleeps until the next instant anything can change or
 * the next signal (a timer for that instant plus `condition`; never polling;
 * a pending timer is never cancelled, see TIMERS_KEPT), hands what
 * fired to activities, and continues as new with its compact state when
 * Temporal suggests it. See journey-driver.ts for the equal-instant rule.
 *
 * A journey with a metric feed (workflows/metric-feed.ts) also pulls the
 * feed's events from Postgres whenever it wakes, before it processes
 * anything, and sets its timer no later than the next pull due.
 *
 * A milestone completed by hand (the `completeMilestone` update) is queued
 * in the engine at the current domain instant and processed with it, like an
 * event at that instant; the update returns once it has been.
 */
import {
  ActivityFailure, allHandlersFinished, ApplicationFailure, CancellationScope, condition, continueAsNew, isCancellation, log,
  ParentClosePolicy, patched, proxyActivities, setHandler, sleep, startChild, upsertSearchAttributes, workflowInfo, WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createActivities } from '../activities/index.ts';
import type { ActionDelivery, InstantProgress, JourneyRef } from '../activities/types.ts';
import { journeyHealth } from './engine/journey-health.ts';
import type { PlaybookIR } from '../dsl/ir/schema.ts';
import { domainDelay, fixDomainClock, toDomain, type DomainClock } from './domain-clock.ts';
import type { Contract, FiredAction, JourneyCustomer, JourneyReport, Transition } from './engine/types.ts';
import type { JourneyContinuation, JourneyInput, JourneyStart } from './journey-input.ts';
import {
  acceptEvents, acceptManualCompletion, acceptTaskClose, catchUp, completionRefusal, driverReport, messagesQueued, migrateDriver, migrationRefusal,
  nextWake, pendingEvents, processedUntil, startDriver, taskCloseRefusal, taskEntry, type DriverState, type Refusal,
} from './journey-driver.ts';
import { iso, ledgerEntries, migrationEntry } from './ledger-entries.ts';
import { actionSummary, journeyMetadata } from './journey-metadata.ts';
import { feedTypesFor, pulledEvents, pulling, startMetricPull, wakeAt, type MetricPull } from './metric-feed.ts';
import { closeTask, completeMilestone, deliverEvents, getProgress, getReport, migrateJourney, type JourneyProgress } from './messages.ts';
import { MilepostCustomer, MilepostOpenMilestones, MilepostOutcome, MilepostOverdueMilestones, MilepostPlaybook } from './search-attributes.ts';

type Activities = ReturnType<typeof createActivities>;

// Postgres writes retry until Postgres is back: a journey must not lose its ledger or tasks.
const store = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});
// Message channels retry with backoff, without a cap here: the activity counts
// real sends in the outbox row and records the message failed after the last
// one (or at once for a permanent failure), so an outage of Postgres itself
// never uses up a message's sends.
const channels = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Runs a journey until its term closes; returns the final report. */
export async function journeyWorkflow(input: JourneyInput): Promise<JourneyReport> {
  const journey = openJourney(input);
  const { contract, clock } = journey;
  // Re-assigned by a migration to a new playbook version.
  let { ir, driver } = journey;
  const now = (): number => toDomain(clock, Date.now());
  const name = journey.customer.attrs.name;
  let ref: JourneyRef = {
    journeyId: workflowInfo().workflowId, customerId: journey.customer.id, playbook: ir.playbook, playbookHash: ir.sourceHash,
    ...(typeof name === 'string' && name !== '' ? { customerName: name } : {}),
  };
  let woken = false;
  let deliveries: Promise<void> = Promise.resolve();
  const pull: MetricPull | null = journey.metrics;

  setHandler(deliverEvents, (events) => {
    acceptEvents(ir, driver, events);
    woken = true;
  });
  setHandler(getReport, (until) => driverReport(ir, driver, until ?? processedUntil(driver) ?? contract.start));
  setHandler(getProgress, () => progressOf(ir, driver, journey.customer, nextWake(ir, driver), clock));
  setHandler(completeMilestone, async (completion) => {
    // Queued at the current domain instant: the main loop wakes 1 ms after it
    // (the equal-instant rule) and the engine completes the milestone in
    // reference §10 step 3 of that instant, firing its on_done.
    const at = now();
    acceptManualCompletion(ir, driver, { milestone: completion.milestone, at, note: completion.note, by: completion.by });
    woken = true;
    await condition(() => driver.engine.closed || (processedUntil(driver) ?? -Infinity) >= at);
    const progress = progressOf(ir, driver, journey.customer, nextWake(ir, driver), clock);
    const state = progress.milestones[completion.milestone];
    if (state !== 'done' && state !== 'late') {
      // Only when the term closed (or a migration dropped the milestone) before the instant was processed.
      throw ApplicationFailure.nonRetryable(`milestone '${completion.milestone}' was not completed: it is ${state ?? 'gone'}`, 'ManualCompletionDropped');
    }
    return progress;
  }, {
    validator: (completion) => refuse(completionRefusal(ir, driver, completion, contract.start)),
  });

  setHandler(closeTask, async (close) => {
    const entry = taskEntry(ir, driver, close.task, contract.start);
    // Idempotent: a task already closed (by a person, or by the journey itself) is returned as it is.
    if (entry !== undefined && entry.closed_at !== null) return entry;
    // Queued at the current domain instant and processed with it (reference §10 step 1), like a manual completion.
    const at = now();
    acceptTaskClose(ir, driver, { task: close.task, at, by: close.by, note: close.note ?? null });
    woken = true;
    await condition(() => driver.engine.closed || (processedUntil(driver) ?? -Infinity) >= at);
    return taskEntry(ir, driver, close.task, contract.start) ?? entry!;
  }, {
    validator: (close) => refuse(taskCloseRefusal(ir, driver, close, contract.start)),
  });

  setHandler(migrateJourney, async (migration) => {
    const at = now();
    const from = ir.sourceHash;
    // Before MIGRATION_KEEPS_FIRED a migrated journey's report started over at the migration instant.
    driver = migrateDriver(migration.ir, driver, journey, at, migration.events, { keepsFired: patched(MIGRATION_KEEPS_FIRED) });
    ir = migration.ir;
    if (pull !== null) pull.feed.types = feedTypesFor(ir, pull.feed.types);
    ref = { ...ref, playbookHash: ir.sourceHash };
    const migrated = ref;
    const entry = migrationEntry(ref.journeyId, { at, playbook: ir.playbook, from, to: ir.sourceHash, by: migration.by, events: migration.events.length });
    deliveries = deliveries.then(() => store.recordLedger.executeWithOptions({ summary: `migration ${from.slice(0, 19)} -> ${ir.sourceHash.slice(0, 19)} by ${migration.by}` }, [migrated, [entry]])).then(() => undefined);
    woken = true;
    await deliveries;
    return progressOf(ir, driver, journey.customer, nextWake(ir, driver), clock);
  }, {
    validator: (migration) => refuse(migrationRefusal(ir, driver, migration.ir)),
  });

  /** Takes in every metric stored since the last pull, a page at a time. */
  const pullMetrics = async (feedPull: MetricPull): Promise<void> => {
    const at = now();
    for (;;) {
      const page = await store.pullMetricEvents.executeWithOptions({ summary: `pull ${feedPull.feed.types.join(', ')} stored since the last pull` }, [ref, feedPull.feed.types, feedPull.cursor]);
      const { events, refused } = pulledEvents(ir, page);
      for (const r of refused) log.warn('pulled event refused by the playbook; skipped', { eventId: r.id, problems: r.problems });
      acceptEvents(ir, driver, events);
      feedPull.cursor = page.cursor ?? feedPull.cursor;
      if (!page.more) break;
    }
    feedPull.nextPullAt = at + feedPull.feed.pullEveryMs;
  };

  let lastAttributes = '';
  let timer: WakeTimer | null = null;
  const timers: WakeTimer[] = [];
  for (;;) {
    // Before every step forward, whatever woke the journey: so no instant is
    // processed without the metrics stored by then.
    if (pulling(pull)) await pullMetrics(pull);
    const { fired, transitions } = catchUp(ir, driver, now());
    if (fired.length > 0 || transitions.length > 0) {
      // Deliveries run behind the journey's clock, in order: a slow channel never delays the next instant.
      const batch = { fired, transitions, progress: instantProgress(ir, driver) };
      deliveries = deliveries.then(() => deliver(ref, batch));
    }
    if (journey.searchAttributes) lastAttributes = upsertProgress(ir, driver, lastAttributes);
    const wake = nextWake(ir, driver);
    if (wake === null) break;
    // A queued manual completion is processed first: its update waits for it.
    const suggested = workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (journey.historyLimit ?? Infinity);
    if (suggested && !messagesQueued(driver)) {
      await deliveries;
      // A manual completion or task close arriving meanwhile must be processed before its update can finish.
      await condition(() => allHandlersFinished() || messagesQueued(driver));
      if (messagesQueued(driver)) continue;
      const continuation: JourneyContinuation = {
        ir, customer: journey.customer, contract, enrolledAt: journey.enrolledAt, clockOffsetMs: clock.offsetMs,
        carried: driver, searchAttributes: journey.searchAttributes, historyLimit: journey.historyLimit,
        ...(pull === null ? {} : { metrics: pull }),
      };
      return continueAsNew<typeof journeyWorkflow>({ kind: 'continue', continuation });
    }
    const at = wakeAt(wake, pull);
    if (patched(TIMERS_KEPT)) {
      // Each timer started is a billable action (docs/benchmarks.md), so none
      // is cancelled: a signal that moves the next instant later leaves the
      // pending timer to wake the journey early, where it only sets the next
      // one, and a later signal often needs it anyway; only a wake-up earlier
      // than every pending timer starts a new one. Before this, nearly every
      // signal cancelled the timer and started another.
      dropFired(timers);
      if (!timers.some((t) => t.at <= at)) timers.push(startTimer(at, domainDelay(now(), at)));
      woken = false;
      await condition(() => woken || timers.some((t) => t.fired));
      dropFired(timers);
      continue;
    }
    // Journeys started before TIMERS_KEPT: one timer per wake-up instant,
    // cancelled and replaced whenever the instant moves.
    if (timer?.at !== at) {
      timer?.scope.cancel();
      timer = startTimer(at, domainDelay(now(), at));
    }
    const current = timer;
    woken = false;
    await condition(() => woken || current.fired);
    if (current.fired) timer = null;
  }
  await deliveries;
  await condition(allHandlersFinished);
  const final = driverReport(ir, driver, Math.min(processedUntil(driver) ?? contract.end, contract.end));
  // A term closed renewed whose playbook has `renewal_term` starts the next term (reference §9).
  // Only version-2 IRs carry next_term, so no journey recorded before this reaches the patch.
  if (final.next_term != null && patched(NEXT_TERM_STARTED)) {
    await startNextTerm({ ref, customer: journey.customer, clock, pull, searchAttributes: journey.searchAttributes, next: final.next_term });
  }
  return final;
}

/** The workflow patch under which a renewed term starts its successor. */
const NEXT_TERM_STARTED = 'next-term-started';

/**
 * Starts the next term's journey, exactly once: under the term's own workflow
 * id (customer, playbook, contract start), as a child the closing journey
 * abandons (it runs on after this one completes; the Temporal UI shows which
 * journey started it). Its playbook's deployed version and the customer's
 * events come from Postgres (prepareNextTerm), and the ledger records it.
 */
async function startNextTerm(closing: {
  ref: JourneyRef; customer: JourneyCustomer; clock: DomainClock; pull: MetricPull | null; searchAttributes: boolean;
  next: NonNullable<JourneyReport['next_term']>;
}): Promise<void> {
  const { ref, customer, next } = closing;
  const contract = { start: Date.parse(next.start), end: Date.parse(next.end) };
  const prepared = await store.prepareNextTerm.executeWithOptions({ summary: `next term on ${next.playbook} from ${next.start}` }, [
    ref, { playbook: next.playbook, customer, contract, metricTypes: closing.pull?.feed.types ?? [] },
  ]);
  const entry = (toState: string, detail: Record<string, unknown>) => ({
    idemKey: `${ref.journeyId}/next_term`, at: contract.start, kind: 'term' as const, subject: 'next_term', fromState: 'renewed', toState, detail,
  });
  if (prepared === null) {
    log.warn('the next term\'s playbook is not deployed; no next term started', { playbook: next.playbook });
    await store.recordLedger.executeWithOptions({ summary: `next term: ${next.playbook} is not deployed` }, [ref, [entry('not_deployed', { ...next })]]);
    return;
  }
  if ('taken' in prepared) {
    // Enrolled through the API before this term closed: that journey is the next term (same start), or
    // it overlaps it and no next term starts. (Histories recorded before v0.6.0 never got this answer.)
    const { kind, workflowId } = prepared.taken;
    if (kind === 'overlapping') log.warn('an enrolled term overlaps the next term; no next term started', { playbook: next.playbook, journey: workflowId });
    await store.recordLedger.executeWithOptions({ summary: `next term: ${kind === 'enrolled' ? 'enrolled already as' : 'overlapped by'} ${workflowId}` }, [
      ref, [entry(kind === 'enrolled' ? workflowId : 'overlapping', { ...next, journey: workflowId })],
    ]);
    return;
  }
  const start: JourneyStart = {
    ir: prepared.ir, customer, contract, enrolledAt: contract.start, events: prepared.events,
    // The closing journey's domain clock goes on (zero offset in production).
    clockOffsetMs: closing.clock.offsetMs, searchAttributes: closing.searchAttributes,
    ...(closing.pull === null || prepared.metricTypes.length === 0 ? {} : { metrics: { ...closing.pull.feed, types: prepared.metricTypes } }),
  };
  try {
    await startChild(journeyWorkflow, {
      workflowId: prepared.workflowId, args: [{ kind: 'start', start }], ...journeyMetadata(prepared.ir, customer, contract),
      parentClosePolicy: ParentClosePolicy.ABANDON, workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    // Started before (this journey retried after a crash between start and completion): exactly once.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  await store.recordLedger.executeWithOptions({ summary: `next term started: ${prepared.workflowId}` }, [ref, [entry(prepared.workflowId, { ...next, playbookHash: prepared.ir.sourceHash })]]);
}

/** A pending wake-up: the domain instant it is for, and whether it fired. */
interface WakeTimer {
  at: number;
  fired: boolean;
  scope: CancellationScope;
}

/**
 * The workflow patch under which pending timers are kept rather than
 * cancelled (histories recorded before it replay the old way).
 */
const TIMERS_KEPT = 'timers-kept-across-signals';

/**
 * The workflow patch under which a migration is the engine's (reference §10: an
 * enrolment in the new version with catch-up, the actions fired before it
 * kept in the report); journeys migrated before it replay the old way.
 */
const MIGRATION_KEEPS_FIRED = 'migration-keeps-fired-actions';

/** Removes the timers that have fired. */
function dropFired(timers: WakeTimer[]): void {
  for (let i = timers.length - 1; i >= 0; i--) if (timers[i]!.fired) timers.splice(i, 1);
}

/** Starts a timer of `delayMs` in its own cancellable scope. */
function startTimer(at: number, delayMs: number): WakeTimer {
  const scope = new CancellationScope();
  const timer: WakeTimer = { at, fired: false, scope };
  scope.run(() => sleep(delayMs)).then(
    () => {
      timer.fired = true;
    },
    (err: unknown) => {
      if (!isCancellation(err)) throw err;
    },
  );
  return timer;
}

interface OpenJourney {
  ir: PlaybookIR;
  customer: JourneyCustomer;
  contract: Contract;
  enrolledAt: number;
  clock: DomainClock;
  driver: DriverState;
  searchAttributes: boolean;
  historyLimit: number | undefined;
  metrics: MetricPull | null;
}

/** A fresh journey from its start input, or the carried one after continue-as-new. */
function openJourney(input: JourneyInput): OpenJourney {
  if (input.kind === 'continue') {
    const c = input.continuation;
    return {
      ir: c.ir, customer: c.customer, contract: c.contract, enrolledAt: c.enrolledAt,
      clock: { offsetMs: c.clockOffsetMs }, driver: c.carried, searchAttributes: c.searchAttributes ?? false,
      historyLimit: c.historyLimit, metrics: c.metrics ?? null,
    };
  }
  const s = input.start;
  const driver = startDriver(s.ir, s.customer, s.contract, s.enrolledAt);
  acceptEvents(s.ir, driver, s.events ?? []);
  for (const close of s.taskCloses ?? []) acceptTaskClose(s.ir, driver, close);
  return {
    ir: s.ir, customer: s.customer, contract: s.contract, enrolledAt: s.enrolledAt,
    clock: s.clockOffsetMs === undefined ? fixDomainClock(Date.now(), s.domainStart) : { offsetMs: s.clockOffsetMs }, driver, searchAttributes: s.searchAttributes ?? false,
    historyLimit: s.historyLimit, metrics: s.metrics === undefined ? null : startMetricPull(s.metrics),
  };
}

/**
 * Writes the ledger and opens the tasks (one activity), then sends each
 * message. A failing channel is logged and the journey goes on: the activity
 * has recorded the failure in the outbox.
 */
async function deliver(journey: JourneyRef, batch: { fired: FiredAction[]; transitions: Transition[]; progress: InstantProgress | undefined }): Promise<void> {
  const tasks = batch.fired.filter((action) => action.kind === 'open_task');
  const at = batch.progress === undefined ? '' : ` at ${iso(batch.progress.at)}`;
  await store.recordInstant.executeWithOptions({ summary: `ledger${at}: ${batch.transitions.length} changes, ${batch.fired.length} actions, ${tasks.length} tasks opened` }, [
    journey, ledgerEntries(journey.journeyId, batch.transitions, batch.fired), tasks, batch.progress,
  ]);
  await Promise.all(batch.fired.map(async (action) => {
    const delivery: ActionDelivery = { journey, action };
    try {
      switch (action.kind) {
        case 'open_task': break; // opened with the ledger
        case 'remind': await channels.sendReminder.executeWithOptions({ summary: actionSummary(action) }, [delivery]); break;
        case 'escalate': await channels.escalate.executeWithOptions({ summary: actionSummary(action) }, [delivery]); break;
        case 'webhook': await channels.postWebhook.executeWithOptions({ summary: actionSummary(action) }, [delivery]); break;
        default: {
          // A new verb that is not delivered here fails to compile.
          const unknown: never = action;
          throw new Error(`no delivery for action ${JSON.stringify(unknown)}`);
        }
      }
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('action delivery failed; the journey goes on', { source: action.source, at: iso(action.at), error: err.message });
    }
  }));
}

/**
 * Where the journey stands after a wake-up, for the read model
 * (journey_progress, written with the wake-up's ledger rows): the report as
 * of the last processed instant, health, the next wake-up.
 */
function instantProgress(ir: PlaybookIR, driver: DriverState): InstantProgress | undefined {
  const at = processedUntil(driver);
  if (at === null) return undefined;
  return { at, report: driverReport(ir, driver, at), health: journeyHealth(ir, driver.engine, at), nextWakeAt: nextWake(ir, driver) };
}

function progressOf(ir: PlaybookIR, driver: DriverState, customer: JourneyCustomer, wake: number | null, clock: DomainClock): JourneyProgress {
  const until = processedUntil(driver);
  const report = until === null ? null : driverReport(ir, driver, until);
  return {
    playbook: ir.playbook,
    playbookHash: ir.sourceHash,
    customer: customer.id,
    outcome: report?.outcome ?? 'running',
    processedUntil: until === null ? null : iso(until),
    nextWake: wake === null ? null : iso(wake),
    milestones: Object.fromEntries((report?.milestones ?? []).map((m) => [m.id, m.state])),
    pendingEvents: pendingEvents(driver),
    actionsFired: driver.actionsFired,
    clockOffsetMs: clock.offsetMs,
  };
}

/**
 * Rejects (in an update's validator, before anything is written to history)
 * what the driver refused; the refusal's kind is the failure's type.
 */
function refuse(refusal: Refusal | null): void {
  if (refusal !== null) throw ApplicationFailure.create({ type: refusal.kind, message: refusal.message, nonRetryable: true });
}

/** Upserts the search attributes when they changed; returns what is now set. */
function upsertProgress(ir: PlaybookIR, driver: DriverState, last: string): string {
  const until = processedUntil(driver);
  if (until === null) return last;
  const report = driverReport(ir, driver, until);
  const open = report.milestones.filter((m) => m.state === 'open' || m.state === 'overdue').map((m) => m.id);
  const overdue = report.milestones.filter((m) => m.state === 'overdue').map((m) => m.id);
  const key = JSON.stringify([report.outcome, open, overdue]);
  if (key === last) return last;
  upsertSearchAttributes([
    { key: MilepostPlaybook, value: ir.playbook },
    { key: MilepostCustomer, value: report.customer },
    { key: MilepostOutcome, value: report.outcome },
    { key: MilepostOpenMilestones, value: open },
    { key: MilepostOverdueMilestones, value: overdue },
  ]);
  return key;
}
