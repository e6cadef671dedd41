/**
 * The `completeMilestone` update: its validator refuses, without touching
 * the journey, a completion of an unknown milestone, of one not open, or
 * without a note. (Completing itself awaits an engine entry point.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JOURNEY_WORKFLOW_TYPE } from '../../client/temporal/journey-gateway.ts';
import { startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import { completeMilestone, getProgress } from '../../workflows/messages.ts';
import { compileFile, timelineFile } from './support/reference.ts';

let harness: TemporalHarness & { stop(): Promise<void> };
beforeAll(async () => {
  harness = await startSimulationHarness();
});
afterAll(async () => {
  await harness?.stop();
});

it('validates a manual completion before anything is recorded', async () => {
  const ir = compileFile('playbooks/clinic-first-year.yaml');
  const timeline = timelineFile(ir, 'tests/temporal/fixtures/acme-clinic.yaml');
  const input: JourneyInput = {
    kind: 'start',
    start: { ir, customer: timeline.customer, contract: timeline.contract, enrolledAt: timeline.contract.start, domainStart: timeline.contract.start, events: [] },
  };
  const handle = await harness.env.client.workflow.start(JOURNEY_WORKFLOW_TYPE, { workflowId: 'manual', taskQueue: harness.taskQueue, args: [input] });
  for (;;) if ((await handle.query(getProgress)).processedUntil) break;

  // The reason travels as the cause of the client's WorkflowUpdateFailedError.
  const attempt = (milestone: string, note = 'kick-off call done') =>
    handle.executeUpdate(completeMilestone, { args: [{ milestone, note, by: 'ada@example.com' }] }).then(
      () => 'accepted',
      (err: Error) => { throw new Error((err.cause as Error | undefined)?.message ?? err.message); },
    );
  await expect(attempt('onboarding')).rejects.toThrow(/unknown milestone 'onboarding' \(activation, self_sufficient, first_campaign, renewal\)/);
  await expect(attempt('renewal')).rejects.toThrow(/milestone 'renewal' is pending/);
  await expect(attempt('activation', '  ')).rejects.toThrow(/needs a note/);
  // Rejected by the validator: no update was written to the journey's history.
  const updates = (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  expect(updates).toHaveLength(0);
  // A valid one passes the validator; the handler refuses until the engine can complete by hand.
  await expect(attempt('activation')).rejects.toThrow(/not supported by this engine version/);
  expect((await handle.query(getProgress)).milestones.activation).toBe('open');
  await handle.result();
});
