/**
 * The journey gateway the API and CLI use, on the dev server (real time,
 * production domain clock): idempotent enrolment, events by signal (one or a
 * batch), reports and progress by query, and a journey that does not exist.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDryRunActivities } from '../../activities/dry-run.ts';
import { createJourneyGateway, journeyWorkflowId } from '../../client/temporal/journey-gateway.ts';
import { createJourneyWorker } from '../../worker/journey-worker.ts';
import { startDevServer, type DevServer } from '../support/temporal.ts';
import { compileFile, timelineFile } from './support/reference.ts';
import { eventually } from './support/eventually.ts';

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer();
});
afterAll(async () => {
  await server?.stop();
});

it('enrols once, takes events, and reports', { timeout: 90_000 }, async () => {
  const ir = compileFile('playbooks/clinic-first-year.yaml');
  const { customer } = timelineFile(ir, 'tests/temporal/fixtures/acme-clinic.yaml');
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const worker = await createJourneyWorker({ connection: workerConnection, taskQueue: 'gw', activities: createDryRunActivities() });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const gateway = createJourneyGateway({ client: new Client({ connection }), taskQueue: 'gw' });
  try {
    const now = Date.now();
    const contract = { start: now - 3 * 86_400_000, end: now + 362 * 86_400_000 };
    const journeyId = journeyWorkflowId(ir.playbook, customer.id);
    const first = await gateway.enrol({ workflowId: journeyId, ir, customer, contract, enrolledAt: now });
    expect(first).toEqual({ workflowId: journeyId, alreadyEnrolled: false });
    expect(await gateway.enrol({ workflowId: journeyId, ir, customer, contract, enrolledAt: now })).toEqual({ ...first, alreadyEnrolled: true });

    const at = Date.now();
    expect(await gateway.deliverEvents({ journeyId, events: [
      { id: 'e1', at, type: 'usage', data: { active_users: 6, minutes: 500 } },
      { id: 'e2', at, type: 'activated', data: {} },
    ] })).toEqual({ delivered: true });
    // The same event again (a retried delivery) changes nothing.
    expect(await gateway.deliverEvent({ journeyId, event: { id: 'e2', at, type: 'activated', data: {} } })).toEqual({ delivered: true });

    let report = await gateway.report(journeyId);
    for (let i = 0; i < 50 && report.milestones[0]!.state !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      report = await gateway.report(journeyId);
    }
    expect(report.milestones[0]).toMatchObject({ id: 'activation', state: 'done', completed_at: new Date(at).toISOString() });
    expect(report.actions.filter((a) => a.source === 'milestone/activation/on_done/0')).toHaveLength(1);
    const progress = await gateway.progress(journeyId);
    expect(progress).toMatchObject({ playbook: ir.playbook, customer: customer.id, outcome: 'running', pendingEvents: 0, clockOffsetMs: 0 });

    // What the Temporal UI shows: who and what the journey is, and a line per activity.
    const description = await new Client({ connection }).workflow.getHandle(first.workflowId).describe();
    expect(await description.staticSummary()).toBe(`Acme Clinic on ${ir.title} (clinic-first-year)`);
    expect(await description.staticDetails()).toContain('**Customer** Acme Clinic (`acme-clinic`)');
    expect(description.memo).toMatchObject({ customer: 'acme-clinic', customerName: 'Acme Clinic', playbook: 'clinic-first-year', playbookHash: ir.sourceHash });
    const activitySummaries = async () => (await new Client({ connection }).workflow.getHandle(first.workflowId).fetchHistory()).events!.flatMap((e) =>
      (e.activityTaskScheduledEventAttributes && e.userMetadata?.summary?.data
        ? [`${e.activityTaskScheduledEventAttributes.activityType?.name}: ${JSON.parse(Buffer.from(e.userMetadata.summary.data).toString()) as string}`] : []));
    // The on_done reminder is sent behind the journey's clock: wait for its activity.
    const summaries = await eventually('the on_done reminder to be scheduled', async () => {
      const lines = await activitySummaries();
      return lines.some((line) => line.startsWith('sendReminder:')) ? lines : undefined;
    });
    expect(summaries.some((line) => /^recordInstant: ledger at \S+: \d+ changes, \d+ actions, \d+ tasks opened$/.test(line))).toBe(true);
    expect(summaries).toContainEqual('sendReminder: remind manager by email: Acme Clinic reached Customer activated (milestone/activation/on_done/0 at ' + new Date(at).toISOString() + ')');

    expect(await gateway.deliverEvent({ journeyId: journeyWorkflowId(ir.playbook, 'nobody'), event: { at, type: 'activated', data: {} } })).toEqual({ delivered: false });
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await workerConnection.close();
  }
});
