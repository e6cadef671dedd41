/**
 * The Temporal dev server restarted on its SQLite file in the middle of a
 * journey: the journey's timer still fires after the restart, the worker
 * reconnects by itself, and a signal sent afterwards is processed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import { JOURNEY_WORKFLOW_TYPE } from '../../client/temporal/journey-gateway.ts';
import { createJourneyWorker } from '../../worker/journey-worker.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import { deliverEvents, getProgress } from '../../workflows/messages.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { startDevServer, type DevServer } from '../support/temporal.ts';
import { testActivityDeps } from './support/activity-deps.ts';
import { startHttpReceiver, type HttpReceiver } from './support/http-receiver.ts';
import { compileFile, timelineFile } from './support/reference.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';

let dir: string;
let server: DevServer;
let db: TestDatabase;
let smtp: SmtpSink;
let http: HttpReceiver;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'milepost-restart-'));
  [server, db, smtp, http] = await Promise.all([startDevServer({ dbFile: join(dir, 'temporal.db') }), createTestDatabase(), startSmtpSink(), startHttpReceiver()]);
});
afterAll(async () => {
  await server?.stop();
  await Promise.all([db?.drop(), smtp?.close(), http?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 45_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const outboxRow = (source: string) => async () =>
  (await db.pool.query(`SELECT status FROM outbox WHERE source = $1 AND status = 'sent'`, [source])).rows[0] as { status: string } | undefined;

it('keeps a journey going across a dev server restart', { timeout: 120_000 }, async () => {
  const ir = compileFile('playbooks/clinic-first-year.yaml');
  const timeline = timelineFile(ir, 'tests/temporal/fixtures/acme-clinic.yaml');
  // Domain time starts 4 s before the activation reminder (due - 7 days).
  const reminderAt = Date.parse('2026-02-21T00:00:00.000Z');
  const input: JourneyInput = {
    kind: 'start',
    start: {
      ir, customer: timeline.customer, contract: timeline.contract, enrolledAt: timeline.contract.start,
      domainStart: reminderAt - 4000, events: timeline.events.filter((e) => e.at < timeline.contract.start),
    },
  };
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const worker = await createJourneyWorker({
    connection: workerConnection, taskQueue: 'restart', activities: createActivities(testActivityDeps(db.pool, smtp.url, http.url)),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const handle = await client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId: 'restart-journey', taskQueue: 'restart', args: [input] });
    await until('the first catch-up', async () => ((await handle.query(getProgress)).processedUntil ? true : undefined));

    await server.restart();

    // The timer set before the restart fires after it: the reminder goes out.
    await until('the activation reminder', outboxRow('milestone/activation/step/0'));
    expect(smtp.received.some((m) => m.to.includes('ada@example.com'))).toBe(true);

    // A signal after the restart is processed: activation completes, on_done notifies the manager.
    const { clockOffsetMs } = await handle.query(getProgress);
    await handle.signal(deliverEvents, [{ at: Date.now() + clockOffsetMs, type: 'activated', data: {}, id: 'act-1' }]);
    await until('the on_done reminder', outboxRow('milestone/activation/on_done/0'));
    const progress = await handle.query(getProgress);
    expect(progress.milestones.activation).toBe('done');
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await workerConnection.close();
  }
});
