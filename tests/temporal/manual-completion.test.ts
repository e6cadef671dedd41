/**
 * The `completeMilestone` update: its validator refuses, without touching
 * the journey, a completion of an unknown milestone, of one not open, or
 * without a note; a valid one completes the milestone at the journey's
 * current domain instant (on_done fires then) and the update returns the
 * progress with it done. The ledger gets a `manual` row with note and by.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDryRunActivities } from '../../activities/dry-run.ts';
import type { LedgerEntry } from '../../activities/types.ts';
import { JOURNEY_WORKFLOW_TYPE } from '../../client/temporal/journey-gateway.ts';
import { startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import type { JourneyReport } from '../../workflows/engine/types.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import { completeMilestone, getProgress, getReport, migrateJourney } from '../../workflows/messages.ts';
import { clinicVersions } from './support/clinic-versions.ts';
import { compileFile, timelineFile } from './support/reference.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';
import { eventually } from './support/eventually.ts';

const ledger: LedgerEntry[] = [];
let harness: TemporalHarness & { stop(): Promise<void> };
beforeAll(async () => {
  const activities = createDryRunActivities();
  harness = await startSimulationHarness({
    ...activities,
    recordInstant: async (journey, entries, tasks) => {
      ledger.push(...entries);
      return activities.recordInstant(journey, entries, tasks);
    },
  });
});
afterAll(async () => {
  await harness?.stop();
});

it('validates a manual completion before anything is recorded, then completes the milestone at the domain instant', async () => {
  const ir = compileFile('playbooks/clinic-first-year.yaml');
  const timeline = timelineFile(ir, 'tests/temporal/fixtures/acme-clinic.yaml');
  const input: JourneyInput = {
    kind: 'start',
    start: { ir, customer: timeline.customer, contract: timeline.contract, enrolledAt: timeline.contract.start, domainStart: timeline.contract.start, events: [] },
  };
  const handle = await harness.env.client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId: 'manual', taskQueue: harness.taskQueue, args: [input] });
  // Domain time starts at contract.start and runs in real time: activation opens at once.
  await eventually('activation to open', async () => ((await handle.query(getProgress)).milestones.activation === 'open' ? true : undefined));

  // The reason travels as the cause of the client's WorkflowUpdateFailedError.
  const attempt = (milestone: string, note = 'kick-off call done') =>
    handle.executeUpdate(completeMilestone, { args: [{ milestone, note, by: 'ada@example.com' }] }).catch(
      (err: Error) => { throw new Error((err.cause as Error | undefined)?.message ?? err.message); },
    );
  const acceptedUpdates = async () => (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
  await expect(attempt('onboarding')).rejects.toThrow(/unknown milestone 'onboarding' \(activation, self_sufficient, first_campaign, renewal\)/);
  await expect(attempt('renewal')).rejects.toThrow(/milestone 'renewal' is pending/);
  await expect(attempt('activation', '  ')).rejects.toThrow(/needs a note/);
  // Rejected by the validator: no update was written to the journey's history.
  expect(await acceptedUpdates()).toBe(0);

  const before = Date.parse((await handle.query(getProgress)).processedUntil!);
  const progress = await attempt('activation');
  expect(progress.milestones.activation).toBe('done');
  const after = Date.parse(progress.processedUntil!);
  const report = await handle.query(getReport);
  const activation = report.milestones.find((m) => m.id === 'activation')!;
  expect(activation.state).toBe('done');
  // Completed at the domain instant the update was handled at: after what was processed before it, and processed by the time it returned.
  const completedAt = Date.parse(activation.completed_at!);
  expect(completedAt).toBeGreaterThan(before);
  expect(completedAt).toBeLessThanOrEqual(after);
  // on_done fired at that instant.
  expect(report.actions.filter((a) => a.source === 'milestone/activation/on_done/0').map((a) => a.at)).toEqual([activation.completed_at]);
  expect(await acceptedUpdates()).toBe(1);

  // Completion is final: a second attempt is refused by the validator.
  await expect(attempt('activation')).rejects.toThrow(/milestone 'activation' is done/);

  const final = (await handle.result()) as JourneyReport;
  expect(final.milestones.find((m) => m.id === 'activation')).toMatchObject({ state: 'done', completed_at: activation.completed_at });
  // The ledger names who completed it and why, at the completion instant.
  const manual = ledger.filter((e) => e.kind === 'manual');
  expect(manual).toEqual([expect.objectContaining({
    at: completedAt, subject: 'activation', fromState: 'open', toState: 'done', detail: { note: 'kick-off call done', by: 'ada@example.com' },
  })]);
  expect(ledger.some((e) => e.kind === 'milestone' && e.subject === 'activation' && e.toState !== 'open')).toBe(false);
});

it('keeps a milestone completed by hand across a migration to a new playbook version', async () => {
  const { v1, v2 } = clinicVersions();
  const timeline = timelineFile(v1, 'tests/temporal/fixtures/acme-clinic.yaml');
  const input: JourneyInput = {
    kind: 'start',
    start: { ir: v1, customer: timeline.customer, contract: timeline.contract, enrolledAt: timeline.contract.start, domainStart: timeline.contract.start, events: [] },
  };
  const handle = await harness.env.client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId: 'manual-migrated', taskQueue: harness.taskQueue, args: [input] });
  await eventually('activation to open', async () => ((await handle.query(getProgress)).milestones.activation === 'open' ? true : undefined));
  await handle.executeUpdate(completeMilestone, { args: [{ milestone: 'activation', note: 'activated on site', by: 'ada@example.com' }] });
  const completedAt = (await handle.query(getReport)).milestones.find((m) => m.id === 'activation')!.completed_at;
  // The new version re-judges the term from the events alone (there are none): without the
  // manual completion carried over, activation would be open again.
  const migrated = await handle.executeUpdate(migrateJourney, { args: [{ ir: v2, events: [], by: 'max' }] });
  expect(migrated.playbookHash).toBe(v2.sourceHash);
  expect(migrated.milestones.activation).toBe('done');
  const final = (await handle.result()) as JourneyReport;
  expect(final.milestones.find((m) => m.id === 'activation')).toMatchObject({ state: 'done', completed_at: completedAt });
});
