/**
 * A worker killed (SIGKILL) in the middle of a journey, and another started:
 * the journey resumes from its history, and no task, email or ledger row is
 * lost or written twice. Also: `milepost worker` stops gracefully on SIGTERM.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { JOURNEY_WORKFLOW_TYPE } from '../../client/temporal/journey-gateway.ts';
import type { JourneyReport } from '../../workflows/engine/types.ts';
import type { JourneyInput } from '../../workflows/journey-input.ts';
import { getProgress } from '../../workflows/messages.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { startTimeSkippingEnv } from '../support/temporal.ts';
import { startHttpReceiver, type HttpReceiver } from './support/http-receiver.ts';
import { compileFile, referenceReport, timelineFile } from './support/reference.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { startWorkerProcess } from './support/worker-process.ts';
import type { journeyWorkflow } from '../../workflows/journey-workflow.ts';

let db: TestDatabase;
let smtp: SmtpSink;
let http: HttpReceiver;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  [db, smtp, http, env] = await Promise.all([createTestDatabase(), startSmtpSink(), startHttpReceiver(), startTimeSkippingEnv()]);
});
afterAll(async () => {
  await env?.teardown();
  await Promise.all([db?.drop(), smtp?.close(), http?.close()]);
});

it('resumes a journey on a new worker after the first is killed, losing and repeating nothing', async () => {
  const taskQueue = 'kill-test';
  const workerEnv = {
    TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue, DATABASE_URL: db.url, SMTP_URL: smtp.url,
    MILEPOST_WEBHOOK_SECRET: 'test-secret-0123456789', MILEPOST_MAX_DELIVERY_ATTEMPTS: '3',
  };
  const ir = compileFile('playbooks/clinic-first-year.yaml');
  const timeline = timelineFile(ir, 'tests/temporal/fixtures/acme-clinic.yaml');
  const input: JourneyInput = {
    kind: 'start',
    start: { ir, customer: timeline.customer, contract: timeline.contract, enrolledAt: timeline.contract.start, domainStart: timeline.contract.start, events: timeline.events },
  };

  // No workflow cache, so no sticky task queue: the time-skipping test server
  // would hold the next task for the dead worker's sticky queue in its frozen
  // clock. (A real cluster moves it to the normal queue after a few seconds.)
  const args = ['--max-cached', '0'];
  const first = await startWorkerProcess(workerEnv, args);
  const handle = await env.client.workflow.start<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, { workflowId: 'kill-test', taskQueue, args: [input] });
  // Half a year passes on the first worker.
  const { clockOffsetMs } = await handle.query(getProgress);
  const now = (await env.currentTimeMs()) + clockOffsetMs;
  await env.sleep(Date.parse('2026-07-15T00:00:00.000Z') - now);
  const midway = await handle.query(getProgress);
  expect(midway.actionsFired).toBeGreaterThan(0);
  expect(Date.parse(midway.processedUntil!)).toBeGreaterThan(Date.parse('2026-06-01T00:00:00.000Z'));
  await first.kill();

  const second = await startWorkerProcess(workerEnv, args);
  try {
    const report: JourneyReport = await handle.result();
    expect(report).toEqual(referenceReport(ir, timeline));

    const actions = report.actions;
    const taskRows = (await db.pool.query('SELECT source, fired_at FROM tasks')).rows;
    expect(taskRows).toHaveLength(actions.filter((a) => a.kind === 'open_task').length);
    const emails = actions.filter((a) => a.kind === 'remind' || a.kind === 'escalate');
    expect((await db.pool.query(`SELECT status, count(*)::int AS n FROM outbox GROUP BY status`)).rows).toEqual([{ status: 'sent', n: emails.length }]);
    expect(smtp.received).toHaveLength(emails.length);
    const messageIds = smtp.received.map((m) => /^Message-ID:\s*(.+)$/im.exec(m.raw.replace(/\r?\n[ \t]+/g, " "))?.[1]);
    expect(new Set(messageIds).size).toBe(emails.length);
    const ledgerActions = (await db.pool.query(`SELECT count(*)::int AS n FROM milestone_ledger WHERE kind = 'action'`)).rows[0].n;
    expect(ledgerActions).toBe(actions.length);
  } finally {
    expect(await second.stop()).toBe(0);
    expect(second.output()).toContain('milepost worker: stopped');
  }
});
