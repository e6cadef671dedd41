/**
 * A person closes a task through the gateway (`closeTask`, the workflow update
 * of the same name), on the time-skipping server: a close the journey cannot
 * take is refused by the update's validator, so nothing is written to the
 * journey's history, and the gateway says why in its own error types (which
 * the API maps to 404 / 400).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
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

/** A version-2 journey: activation due day 7; at day 4 a call task due in 2 days, escalated to the manager if still open then. */
function taskPlaybook() {
  const { ir, diagnostics } = compilePlaybook(`
playbook: calls
title: Calls
customer:
  name: string
  csm: string
  manager: string
events:
  activated: {}
milestones:
  - id: activation
    title: Activated
    due: day 7
    done_when: happened(activated)
    steps:
      - at: due - 3 days
        open_task: "Call {{customer.name}}"
        due_in: 2 days
      - at: due - 3 days
        escalate: manager
        message: "the overdue action"
`, 'calls.yaml');
  if (!ir) throw new Error(JSON.stringify(diagnostics));
  const [task, escalate] = ir.milestones[0]!.steps.map((s) => s.action);
  if (task?.kind !== 'open_task' || escalate === undefined) throw new Error('unexpected IR');
  task.overdue = [escalate];
  ir.milestones[0]!.steps = ir.milestones[0]!.steps.slice(0, 1);
  return { ...ir, language: 2 as const };
}

describe('a version-2 journey with a task', () => {
  const DAY = 86_400_000;
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  const customer = { id: 'bay-vets', attrs: { name: 'Bay Vets', csm: 'ada@example.com', manager: 'max@example.com' } };
  const contract = { start, end: start + 30 * DAY };
  const taskId = 'milestone/activation/step/0@2026-01-05T00:00:00.000Z';

  async function startCalls(workflowId: string) {
    const ir = taskPlaybook();
    const input: JourneyInput = { kind: 'start', start: { ir, customer, contract, enrolledAt: start, domainStart: start, events: [] } };
    const handle = await harness.env.client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId, taskQueue: harness.taskQueue, args: [input] });
    const { clockOffsetMs } = await handle.query(getProgress);
    // Skips the server's clock to domain instant `at`.
    const skipTo = async (at: number) => harness.env.sleep(at - ((await harness.env.currentTimeMs()) + clockOffsetMs));
    return { handle, skipTo };
  }

  it('closes the task at the journey clock, once, and its overdue action never fires; without the close it does', async () => {
    const gateway = createJourneyGateway({ client: harness.env.client, taskQueue: harness.taskQueue });
    const { handle, skipTo } = await startCalls('calls-closed');
    await skipTo(start + 5 * DAY + 3_600_000);
    const closed = await gateway.closeTask(handle.workflowId, { task: taskId, by: 'ada@example.com', note: 'called' });
    expect(closed).toMatchObject({ id: taskId, title: 'Call Bay Vets', closed_because: 'done', due_at: '2026-01-07T00:00:00.000Z' });
    const closedAt = Date.parse(closed.closed_at!);
    expect(closedAt).toBeGreaterThanOrEqual(start + 5 * DAY + 3_600_000);
    expect(closedAt).toBeLessThan(start + 5 * DAY + 2 * 3_600_000);
    // Idempotent: closing it again returns it unchanged, with no second update processed.
    expect(await gateway.closeTask(handle.workflowId, { task: taskId, by: 'max@example.com' })).toEqual(closed);
    const report = await handle.result();
    expect(report.tasks).toEqual([closed]);
    expect(report.actions.map((a) => a.source)).toEqual(['milestone/activation/step/0']);

    const open = await startCalls('calls-open');
    const unclosed = await open.handle.result();
    expect(unclosed.actions.map((a) => a.source)).toEqual(['milestone/activation/step/0', 'milestone/activation/step/0/overdue/0']);
    expect(unclosed.tasks?.[0]).toMatchObject({ id: taskId, closed_because: 'term_closed' });
  });
});
