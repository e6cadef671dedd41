/**
 * A person closes a task through the gateway (`closeTask`, the workflow update
 * of the same name), on the time-skipping server: a close the journey cannot
 * take is refused by the update's validator, so nothing is written to the
 * journey's history, and the gateway says why in its own error types (which
 * the API maps to 404 / 400).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDryRunActivities } from '../../activities/dry-run.ts';
import {
  createJourneyGateway, JOURNEY_WORKFLOW_TYPE, JourneyNotRunningError, TaskCloseRefusedError, UnknownTaskError,
} from '../../client/temporal/journey-gateway.ts';
import { startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';
import { getProgress } from '../../workflows/messages.ts';
import { compileFile, timelineFile } from './support/reference.ts';

let harness: TemporalHarness & { stop(): Promise<void> };
beforeAll(async () => {
  harness = await startSimulationHarness(createDryRunActivities());
});
afterAll(async () => {
  await harness?.stop();
});

it('refuses, before anything is recorded, a close of a task the journey has not opened and a close without by', async () => {
  const ir = compileFile('playbooks/clinic-first-year.yaml');
  const timeline = timelineFile(ir, 'tests/temporal/fixtures/acme-clinic.yaml');
  const input: JourneyInput = {
    kind: 'start',
    start: { ir, customer: timeline.customer, contract: timeline.contract, enrolledAt: timeline.contract.start, domainStart: timeline.contract.start, events: [] },
  };
  const handle = await harness.env.client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId: 'task-close', taskQueue: harness.taskQueue, args: [input] });
  await handle.query(getProgress);
  const gateway = createJourneyGateway({ client: harness.env.client, taskQueue: harness.taskQueue });

  const task = 'milestone/activation/step/0@2026-02-21T00:00:00.000Z';
  await expect(gateway.closeTask(handle.workflowId, { task, by: 'ada@example.com', note: 'called them' })).rejects.toThrow(
    new UnknownTaskError(`the journey has no task '${task}'`),
  );
  await expect(gateway.closeTask(handle.workflowId, { task, by: ' ' })).rejects.toThrow(TaskCloseRefusedError);
  await expect(gateway.closeTask(handle.workflowId, { task, by: ' ' })).rejects.toThrow("a task close needs 'by' (who closed it)");
  const history = await handle.fetchHistory();
  expect(history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);

  await expect(gateway.closeTask('journey:clinic-first-year:nobody', { task, by: 'ada@example.com' })).rejects.toBeInstanceOf(JourneyNotRunningError);
  await handle.terminate('test done');
});
