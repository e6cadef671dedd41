/**
 * Search attributes on a namespace that has Milepost's registered (dev
 * server): a journey started with them on is findable by playbook, customer
 * and open or overdue milestones in Temporal's visibility.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDryRunActivities } from '../../activities/dry-run.ts';
import { createJourneyGateway, journeyWorkflowId } from '../../client/temporal/journey-gateway.ts';
import { createJourneyWorker } from '../../worker/journey-worker.ts';
import { getProgress } from '../../workflows/messages.ts';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../workflows/search-attributes.ts';
import { startDevServer, type DevServer } from '../support/temporal.ts';
import { compileFile, timelineFile } from './support/reference.ts';
import { eventually } from './support/eventually.ts';

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer({ searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS });
});
afterAll(async () => {
  await server?.stop();
});

it('lists journeys by playbook, customer and open milestone', { timeout: 90_000 }, async () => {
  const ir = compileFile('playbooks/clinic-first-year.yaml');
  const timeline = timelineFile(ir, 'tests/temporal/fixtures/acme-clinic.yaml');
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const worker = await createJourneyWorker({ connection: workerConnection, taskQueue: 'sa', activities: createDryRunActivities() });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const gateway = createJourneyGateway({ client, taskQueue: 'sa', searchAttributes: true });
    // A contract that started ten days ago: activation is open now.
    const now = Date.now();
    const contract = { start: now - 10 * 86_400_000, end: now + 355 * 86_400_000 };
    const { workflowId } = await gateway.enrol({ workflowId: journeyWorkflowId(ir.playbook, timeline.customer.id), ir, customer: timeline.customer, contract, enrolledAt: now });
    const handle = client.workflow.getHandle(workflowId);
    await eventually('the journey to process its first instant', async () => (await handle.query(getProgress)).processedUntil ?? undefined);
    const query = `MilepostPlaybook = '${ir.playbook}' AND MilepostCustomer = '${timeline.customer.id}' AND MilepostOpenMilestones = 'activation'`;
    // Visibility is eventually consistent: the upsert shows in a list a moment later.
    const found = await eventually('the journey in the visibility list', async () => {
      const ids: string[] = [];
      for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
      return ids.length > 0 ? ids : undefined;
    }, { intervalMs: 200, timeoutMs: 10_000 });
    expect(found).toEqual([workflowId]);
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await workerConnection.close();
  }
});
