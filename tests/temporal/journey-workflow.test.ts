/**
 * The journey workflow end to end on the time-skipping server with the real
 * activities: real Postgres (tasks, outbox, ledger), a real SMTP sink and a
 * real HTTP receiver. What the report lists is what lands, once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import { verifyWebhook } from '../../activities/webhook-signature.ts';
import { simulateOnTemporal, startSimulationHarness, type TemporalHarness } from '../../client/temporal/simulate-on-temporal.ts';
import type { JourneyReport } from '../../workflows/engine/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { resetDeliveries, testActivityDeps, TEST_WEBHOOK_SECRET } from './support/activity-deps.ts';
import { startHttpReceiver, type HttpReceiver } from './support/http-receiver.ts';
import { compileFile, referenceReport, timelineFile } from './support/reference.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';

let db: TestDatabase;
let smtp: SmtpSink;
let http: HttpReceiver;
let harness: TemporalHarness & { stop(): Promise<void> };

beforeAll(async () => {
  [db, smtp, http] = await Promise.all([createTestDatabase(), startSmtpSink(), startHttpReceiver()]);
  harness = await startSimulationHarness(createActivities(testActivityDeps(db.pool, smtp.url, http.url)));
});
afterAll(async () => {
  await harness?.stop();
  await Promise.all([db?.drop(), smtp?.close(), http?.close()]);
});
beforeEach(() => resetDeliveries(db.pool, smtp, http));

const clinic = compileFile('playbooks/clinic-first-year.yaml');
const acme = timelineFile(clinic, 'tests/temporal/fixtures/acme-clinic.yaml');

const emailActions = (report: JourneyReport) => report.actions.filter((a) => a.kind === 'remind' || a.kind === 'escalate');

describe('journey workflow with real activities', () => {
  it('opens every task, sends every email and writes the ledger once, as the report lists them', async () => {
    const report = await simulateOnTemporal(clinic, acme, {}, harness);
    expect(report).toEqual(referenceReport(clinic, acme));
    // Actions of one instant are delivered concurrently: compare in (instant, source) order.
    const bySource = (a: { at: string; source: string }, b: { at: string; source: string }) => a.at.localeCompare(b.at) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);

    const tasks = (await db.pool.query('SELECT source, title, priority, fired_at, due_at FROM tasks ORDER BY fired_at, source')).rows;
    const expectedTasks = report.actions.filter((a) => a.kind === 'open_task').sort(bySource);
    expect(expectedTasks.length).toBeGreaterThan(0);
    expect(tasks.map((t) => ({ source: t.source, title: t.title, priority: t.priority, at: t.fired_at.toISOString(), due_at: t.due_at.toISOString() })))
      .toEqual(expectedTasks.map((a) => ({ source: a.source, title: a.title, priority: a.priority, at: a.at, due_at: a.due_at })));

    const emails = emailActions(report);
    expect(emails.length).toBeGreaterThan(0);
    const outbox = (await db.pool.query(`SELECT source, kind, status, recipient, attempts, fired_at FROM outbox ORDER BY fired_at, source`)).rows;
    expect(outbox.map((o) => [o.fired_at.toISOString(), o.source, o.kind, o.status, o.attempts]))
      .toEqual([...emails].sort(bySource).map((a) => [a.at, a.source, a.kind, 'sent', 1]));
    expect(smtp.received).toHaveLength(emails.length);
    // Roles resolve to the customer's people.
    const managerMail = emails.filter((a) => a.to === 'manager').length;
    expect(smtp.received.filter((m) => m.to.includes('max@example.com'))).toHaveLength(managerMail);

    const ledger = (await db.pool.query(`SELECT kind, subject, to_state, at FROM milestone_ledger`)).rows;
    expect(ledger.filter((l) => l.kind === 'action')).toHaveLength(report.actions.length);
    const completed = report.milestones.filter((m) => m.completed_at !== null);
    for (const m of completed) {
      expect(ledger).toContainEqual({ kind: 'milestone', subject: m.id, to_state: m.state, at: new Date(m.completed_at!) });
    }
    expect(ledger).toContainEqual(expect.objectContaining({ kind: 'term', to_state: report.outcome }));
  });

  it('keeps going when SMTP refuses: each email retried, then recorded failed; tasks still open', async () => {
    smtp.refuseWith = 451;
    const report = await simulateOnTemporal(clinic, acme, {}, harness);
    expect(report).toEqual(referenceReport(clinic, acme));
    const outbox = (await db.pool.query(`SELECT status, attempts, last_error FROM outbox`)).rows;
    expect(outbox).toHaveLength(emailActions(report).length);
    for (const row of outbox) {
      expect(row).toMatchObject({ status: 'failed', attempts: 3 });
      expect(row.last_error).toMatch(/451/);
    }
    expect(smtp.received).toHaveLength(0);
    const tasks = (await db.pool.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n;
    expect(tasks).toBe(report.actions.filter((a) => a.kind === 'open_task').length);
  });

  it('calls webhooks signed, once per firing', async () => {
    const ir = compileFile('tests/golden/stability/playbook.yaml');
    const timeline = timelineFile(ir, 'tests/golden/stability/timeline.yaml');
    const report = await simulateOnTemporal(ir, timeline, {}, harness);
    const hooks = report.actions.filter((a) => a.kind === 'webhook');
    expect(hooks.length).toBeGreaterThan(0);
    // `errors_hook` has no endpoint configured: recorded failed, not retried, journey unaffected.
    const outbox = (await db.pool.query(`SELECT status, last_error FROM outbox WHERE kind = 'webhook'`)).rows;
    expect(outbox).toHaveLength(hooks.length);
    for (const row of outbox) expect(row).toMatchObject({ status: 'failed' });
    expect(outbox[0].last_error).toMatch(/no endpoint configured for webhook 'errors_hook'/);
  });

  it('delivers a configured webhook with a valid signature', async () => {
    const ir = compileFile('tests/golden/stability/playbook.yaml');
    const timeline = timelineFile(ir, 'tests/golden/stability/timeline.yaml');
    const deps = testActivityDeps(db.pool, smtp.url, http.url, { webhookUrls: { errors_hook: `${http.url}/errors` } });
    const own = await startSimulationHarness(createActivities(deps));
    try {
      const report = await simulateOnTemporal(ir, timeline, {}, own);
      const hooks = report.actions.filter((a) => a.kind === 'webhook');
      const received = http.received.filter((r) => r.path === '/errors');
      expect(received).toHaveLength(hooks.length);
      for (const request of received) {
        const headers = { signature: String(request.headers['x-milepost-signature']), timestamp: String(request.headers['x-milepost-timestamp']) };
        expect(verifyWebhook(TEST_WEBHOOK_SECRET, headers, request.body, Math.floor(Date.now() / 1000))).toBe(true);
      }
      expect(received.map((r) => JSON.parse(r.body).at)).toEqual(hooks.map((h) => h.at));
    } finally {
      await own.stop();
    }
  });
});
