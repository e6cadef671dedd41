/**
 * Records journey workflow histories for the replay tests (a year, a mid-term
 * enrolment, webhooks, a continue-as-new chain, a migration by update, a
 * milestone completed by hand, usage pulled through a metric feed):
 * `node tests/replay/record-histories.ts [release] [case...]` runs reference
 * journeys on the time-skipping server (real workflow code, dry-run
 * activities) and writes each history to
 * `tests/replay/histories/<release>-<case>.json` (the protobuf-encoded
 * history, base64, with what produced it). Naming cases records only those
 * (e.g. `node tests/replay/record-histories.ts v0.2.0 clinic-manual-activation`),
 * so a new path gets a history without re-recording the committed ones.
 *
 * Record again (with a new release name) whenever the workflow code changes
 * on purpose; keep the old files: every committed history must still replay.
 * A history is never rewritten: the script refuses a file that exists, and
 * adds each new file's hash to histories.sha256.json
 * (histories-unchanged.test.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { runJourneyOnTemporal, startSimulationHarness } from '../../client/temporal/simulate-on-temporal.ts';
import { createDryRunActivities } from '../../activities/dry-run.ts';
import type { TakenTerm } from '../../activities/next-term.ts';
import { compileFile, timelineFile } from '../temporal/support/reference.ts';
import { clinicVersions } from '../temporal/support/clinic-versions.ts';
import { JOURNEY_WORKFLOW_TYPE, journeyWorkflowId } from '../../client/temporal/journey-gateway.ts';
import { journeyTermWorkflowId } from '../../client/temporal/journey-id.ts';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import { closeTask, completeMilestone, getProgress, migrateJourney } from '../../workflows/messages.ts';
import { callsPlaybook } from '../temporal/support/calls-playbook.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';

const { temporal } = proto;
const release = process.argv[2] ?? 'v0.1.0';
const DIR = join(import.meta.dirname, 'histories');
const MANIFEST = join(import.meta.dirname, 'histories.sha256.json');

/** Every case this script can record; the continue-as-new chain writes two files. */
const CASES = [
  'clinic-acme-year', 'clinic-acme-enrolled-april', 'stability-webhooks', 'clinic-continue-as-new',
  'clinic-migrated-march', 'clinic-manual-activation', 'clinic-metric-feed',
  'v2-tasks-closed', 'v2-tasks-overdue', 'v2-catch-up', 'v2-close-by-update', 'v2-migration', 'v2-next-term',
  'v2-next-term-taken',
] as const;
const chosen = process.argv.slice(3);
const unknown = chosen.filter((c) => !(CASES as readonly string[]).includes(c));
if (unknown.length > 0) {
  console.error(`unknown case(s): ${unknown.join(', ')} (known: ${CASES.join(', ')})`);
  process.exit(2);
}
/** Whether to record `name`: all cases when none were named. */
const wanted = (name: string): boolean => chosen.length === 0 || chosen.includes(name);

const cases = [
  { name: 'clinic-acme-year', playbook: 'playbooks/clinic-first-year.yaml', timeline: 'tests/temporal/fixtures/acme-clinic.yaml', enrolledAt: undefined },
  { name: 'clinic-acme-enrolled-april', playbook: 'playbooks/clinic-first-year.yaml', timeline: 'tests/temporal/fixtures/acme-clinic.yaml', enrolledAt: Date.parse('2026-04-15T12:00:00.000Z') },
  { name: 'stability-webhooks', playbook: 'tests/golden/stability/playbook.yaml', timeline: 'tests/golden/stability/timeline.yaml', enrolledAt: undefined },
];

const activities = createDryRunActivities();
// The one playbook "deployed" for the recordings: the next term of case v2-next-term.
const deployed = new Map<string, PlaybookIR>();
// Next terms held by a journey enrolled through the API (case v2-next-term-taken), by playbook.
const taken = new Map<string, TakenTerm>();
const harness = await startSimulationHarness({
  ...activities,
  prepareNextTerm: async (_journey, request) => {
    const held = taken.get(request.playbook);
    if (held !== undefined) return { taken: held };
    const ir = deployed.get(request.playbook);
    return ir === undefined ? null : { workflowId: journeyTermWorkflowId(request.playbook, request.customer.id, request.contract.start), ir, events: [], metricTypes: [] };
  },
});
const client = harness.env.client;

/** Writes one run's history (the latest run when `runId` is not given). */
async function save(name: string, workflowId: string, runId: string | undefined, source: { playbook: string; timeline: string }): Promise<void> {
  // Stored as the protobuf encoding (base64) inside a small JSON wrapper:
  // exact, and independent of JSON-mapping quirks between protobuf copies.
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: 'default', execution: { workflowId, ...(runId ? { runId } : {}) }, maximumPageSize: 10_000,
  });
  if (!history) throw new Error(`no history for ${workflowId}`);
  const file = join(DIR, `${release}-${name}.json`);
  if (existsSync(file)) throw new Error(`${file} exists: a recorded history is never rewritten; record under a new release name`);
  const encoded = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('base64');
  const record = { workflowId, release, case: name, ...source, events: history.events?.length ?? 0, history: encoded };
  const text = `${JSON.stringify(record, null, 1)}\n`;
  writeFileSync(file, text);
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
  manifest[`${release}-${name}.json`] = createHash('sha256').update(text).digest('hex');
  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(MANIFEST, `${JSON.stringify(sorted, null, 1)}\n`);
  console.log(`${file}: ${record.events} events`);
}

try {
  for (const c of cases) {
    if (!wanted(c.name)) continue;
    const ir = compileFile(c.playbook);
    const timeline = timelineFile(ir, c.timeline);
    const { workflowId } = await runJourneyOnTemporal(harness, ir, timeline, c.enrolledAt === undefined ? {} : { enrolledAt: c.enrolledAt });
    await save(c.name, workflowId, undefined, c);
  }

  const { v1, v2 } = clinicVersions();
  const acme = timelineFile(v1, 'tests/temporal/fixtures/acme-clinic.yaml');
  const source = { playbook: 'playbooks/clinic-first-year.yaml', timeline: 'tests/temporal/fixtures/acme-clinic.yaml' };
  const start = (events: JourneyEvent[], extra: { historyLimit?: number; ir?: typeof v1 } = {}): JourneyInput => ({
    kind: 'start',
    start: { ir: v1, customer: acme.customer, contract: acme.contract, enrolledAt: acme.contract.start, domainStart: acme.contract.start, events, ...extra },
  });

  // Continue-as-new: both runs of the chain (events at start, no queries: see simulate-identity.test.ts).
  if (wanted('clinic-continue-as-new')) {
    const chained = await client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId: `can-${Date.now()}`, taskQueue: harness.taskQueue, args: [start(acme.events, { historyLimit: 40 })] });
    await chained.result();
    await save('clinic-continue-as-new-run-1', chained.workflowId, chained.firstExecutionRunId, source);
    await save('clinic-continue-as-new-last-run', chained.workflowId, undefined, source);
  }

  const notActivated = acme.events.filter((e) => e.type !== 'activated');
  // Sleeps the time-skipping server until the journey's domain clock reaches `at`.
  const sleepUntilDomain = async (handle: { query: (q: typeof getProgress) => Promise<{ clockOffsetMs: number }> }, at: string): Promise<void> => {
    const { clockOffsetMs } = await handle.query(getProgress);
    await harness.env.sleep(Date.parse(at) - ((await harness.env.currentTimeMs()) + clockOffsetMs));
  };

  // A migration to a new version (an update) in the middle of the term.
  if (wanted('clinic-migrated-march')) {
    const migrated = await client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, {
      workflowId: journeyWorkflowId(v1.playbook, `${acme.customer.id}-migrated`), taskQueue: harness.taskQueue, args: [start(notActivated)],
    });
    await sleepUntilDomain(migrated, '2026-03-10T00:00:00.000Z');
    await migrated.executeUpdate(migrateJourney, { args: [{ ir: v2, events: notActivated, by: 'max' }] });
    await migrated.result();
    await save('clinic-migrated-march', migrated.workflowId, undefined, source);
  }

  // Activation completed by hand (the completeMilestone update) while open,
  // before its due (month 1 from 2026-01-31), then the rest of the year.
  if (wanted('clinic-manual-activation')) {
    const ir = compileFile(source.playbook);
    const manual = await client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, {
      workflowId: journeyWorkflowId(ir.playbook, `${acme.customer.id}-manual`), taskQueue: harness.taskQueue,
      args: [start(notActivated, { ir })],
    });
    await sleepUntilDomain(manual, '2026-02-15T12:00:00.000Z');
    if ((await manual.query(getProgress)).milestones.activation !== 'open') throw new Error('activation is not open mid-February');
    const progress = await manual.executeUpdate(completeMilestone, { args: [{ milestone: 'activation', note: 'kick-off call done', by: 'ada@example.com' }] });
    if (progress.milestones.activation !== 'done') throw new Error('activation was not completed by the update');
    await manual.result();
    await save('clinic-manual-activation', manual.workflowId, undefined, source);
  }

  // Usage as a weekly metric feed: stored at its instants, pulled at wake-ups, never signalled.
  if (wanted('clinic-metric-feed')) {
    const ir = compileFile(source.playbook);
    const { workflowId } = await runJourneyOnTemporal(harness, ir, timelineFile(ir, source.timeline), {
      metricFeed: { feed: { types: ['usage'], pullEveryMs: 7 * 86_400_000 }, store: (e) => activities.metricStore.push(e) },
    });
    await save('clinic-metric-feed', workflowId, undefined, source);
  }

  // Language version 2 (tests/temporal/support/calls-playbook.ts): tasks with a life, overdue actions, catch-up.
  const calls = callsPlaybook();
  const DAY = 86_400_000;
  const callsStart = Date.parse('2026-01-01T00:00:00.000Z');
  const callsSource = { playbook: 'tests/temporal/support/calls-playbook.ts', timeline: '(in record-histories.ts)' };
  const callsTimeline = (events: JourneyEvent[], tasks: Array<{ task: string; at: number; by: string }>) => ({
    file: 'calls', customer: { id: 'bay-vets', attrs: { name: 'Bay Vets', csm: 'ada@example.com', manager: 'max@example.com' } },
    contract: { start: callsStart, end: callsStart + 30 * DAY }, events, tasks,
  });
  const callTask = 'milestone/activation/step/0@2026-01-05T00:00:00.000Z';
  // A call closed by a person before its due (no overdue), training closed by its milestone.
  if (wanted('v2-tasks-closed')) {
    const { workflowId } = await runJourneyOnTemporal(harness, calls, callsTimeline(
      [{ at: callsStart + 14 * DAY, type: 'trained', data: {} }], [{ task: callTask, at: callsStart + 5 * DAY, by: 'ada@example.com' }]), {});
    await save('v2-tasks-closed', workflowId, undefined, callsSource);
  }
  // Nothing closed: both overdue escalations fire, the term closes the tasks.
  if (wanted('v2-tasks-overdue')) {
    const { workflowId } = await runJourneyOnTemporal(harness, calls, callsTimeline([], []), {});
    await save('v2-tasks-overdue', workflowId, undefined, callsSource);
  }
  // Enrolled mid-term: catch-up fires the latest missed step at the enrolment instant.
  if (wanted('v2-catch-up')) {
    const { workflowId } = await runJourneyOnTemporal(harness, calls, callsTimeline([], []), { enrolledAt: callsStart + 5 * DAY });
    await save('v2-catch-up', workflowId, undefined, callsSource);
  }
  const callsInput = (ir: typeof calls): JourneyInput => {
    const t = callsTimeline([], []);
    return { kind: 'start', start: { ir, customer: t.customer, contract: t.contract, enrolledAt: callsStart, domainStart: callsStart, events: [] } };
  };
  // A person closes the call through the closeTask update, then the term runs out.
  if (wanted('v2-close-by-update')) {
    const handle = await client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId: `calls-update-${Date.now()}`, taskQueue: harness.taskQueue, args: [callsInput(calls)] });
    await sleepUntilDomain(handle, '2026-01-06T01:00:00.000Z');
    const closed = await handle.executeUpdate(closeTask, { args: [{ task: callTask, by: 'ada@example.com', note: 'called' }] });
    if (closed.closed_because !== 'done') throw new Error('the call was not closed by the update');
    await handle.result();
    await save('v2-close-by-update', handle.workflowId, undefined, callsSource);
  }
  // A version-2 journey migrated mid-term (migration-keeps-fired-actions): training due on day 7 instead of 20.
  if (wanted('v2-migration')) {
    const later = structuredClone(calls);
    later.sourceHash = 'sha256:calls-training-day-7';
    later.milestones[1]!.due = structuredClone(later.milestones[0]!.due);
    const handle = await client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId: `calls-migrated-${Date.now()}`, taskQueue: harness.taskQueue, args: [callsInput(calls)] });
    await sleepUntilDomain(handle, '2026-01-08T00:00:00.000Z');
    await handle.executeUpdate(migrateJourney, { args: [{ ir: later, events: [], by: 'max' }] });
    await handle.result();
    await save('v2-migration', handle.workflowId, undefined, callsSource);
  }
  // A term renewed on a playbook with renewal_term: the closing journey starts the next term (patch next-term-started).
  if (wanted('v2-next-term')) {
    const renewing: PlaybookIR = {
      ...structuredClone(calls), playbook: 'calls-renewing', sourceHash: 'sha256:calls-renewing',
      renewalTerm: { playbook: 'calls', length: { amount: 1, unit: 'month' } },
    };
    renewing.milestones[1] = { ...renewing.milestones[1]!, renewal: true };
    deployed.set('calls', calls);
    const t = callsTimeline([{ at: callsStart + 3 * DAY, type: 'trained', data: {} }], []);
    const handle = await client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, {
      workflowId: `calls-renewing-${Date.now()}`, taskQueue: harness.taskQueue,
      args: [{ kind: 'start', start: { ir: renewing, customer: t.customer, contract: t.contract, enrolledAt: callsStart, domainStart: callsStart, events: t.events } }],
    });
    const report = await handle.result();
    if (report.next_term == null) throw new Error('the renewing term did not name its next term');
    await client.workflow.getHandle(journeyTermWorkflowId('calls', t.customer.id, t.contract.end)).terminate('recorded');
    await save('v2-next-term', handle.workflowId, undefined, callsSource);
  }
  // The same, but a term enrolled through the API overlaps the next term: none starts, the ledger says why.
  if (wanted('v2-next-term-taken')) {
    const renewing: PlaybookIR = {
      ...structuredClone(calls), playbook: 'calls-renewing', sourceHash: 'sha256:calls-renewing',
      renewalTerm: { playbook: 'calls-by-hand', length: { amount: 1, unit: 'month' } },
    };
    renewing.milestones[1] = { ...renewing.milestones[1]!, renewal: true };
    const t = callsTimeline([{ at: callsStart + 3 * DAY, type: 'trained', data: {} }], []);
    taken.set('calls-by-hand', { kind: 'overlapping', workflowId: journeyTermWorkflowId('calls-by-hand', t.customer.id, t.contract.end - DAY) });
    const handle = await client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, {
      workflowId: `calls-renewing-taken-${Date.now()}`, taskQueue: harness.taskQueue,
      args: [{ kind: 'start', start: { ir: renewing, customer: t.customer, contract: t.contract, enrolledAt: callsStart, domainStart: callsStart, events: t.events } }],
    });
    const report = await handle.result();
    if (report.next_term == null) throw new Error('the renewing term did not name its next term');
    await save('v2-next-term-taken', handle.workflowId, undefined, callsSource);
  }
} finally {
  await harness.stop();
}
