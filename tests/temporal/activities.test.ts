/**
 * The journey activities against real Postgres, a real SMTP sink and a real
 * HTTP receiver: each delivers once per idempotency key, a failing channel is
 * retried then recorded as failed, webhooks are signed.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import type { ActionDelivery, JourneyRef } from '../../activities/types.ts';
import { verifyWebhook } from '../../activities/webhook-signature.ts';
import type { FiredAction } from '../../workflows/engine/types.ts';
import { ledgerEntries } from '../../workflows/ledger-entries.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { resetDeliveries, testActivityDeps, TEST_WEBHOOK_SECRET } from './support/activity-deps.ts';
import { startHttpReceiver, type HttpReceiver } from './support/http-receiver.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';

const journey: JourneyRef = { journeyId: 'journey:clinic:acme', customerId: 'acme', playbook: 'clinic', playbookHash: 'sha256:abc' };
const AT = Date.parse('2026-02-21T00:00:00.000Z');

function action(partial: Partial<FiredAction> & Pick<FiredAction, 'kind' | 'source'>): FiredAction {
  return { at: AT, to: 'csm', recipient: 'ada@example.com', key: `${partial.source}@${new Date(partial.at ?? AT).toISOString()}`, ...partial } as FiredAction;
}

let db: TestDatabase;
let smtp: SmtpSink;
let http: HttpReceiver;

beforeAll(async () => {
  [db, smtp, http] = await Promise.all([createTestDatabase(), startSmtpSink(), startHttpReceiver()]);
});
afterAll(async () => {
  await Promise.all([db?.drop(), smtp?.close(), http?.close()]);
});
beforeEach(() => resetDeliveries(db.pool, smtp, http));

const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, attempt = 1, ...args: A) =>
  new MockActivityEnvironment({ attempt }).run(fn, ...args);

describe('openTask', () => {
  it('opens one task per key however often it runs', async () => {
    const activities = createActivities(testActivityDeps(db.pool, smtp.url, http.url));
    const delivery: ActionDelivery = {
      journey,
      action: action({ kind: 'open_task', source: 'milestone/activation/step/1', title: 'Get Acme activated', priority: 'high', dueAt: AT + 5 * 86_400_000 }),
    };
    expect(await run(activities.openTask, 1, delivery)).toBe('opened');
    expect(await run(activities.openTask, 2, delivery)).toBe('exists');
    const { rows } = await db.pool.query('SELECT idem_key, title, assignee_role, assignee, priority, due_at, fired_at FROM tasks');
    expect(rows).toEqual([{
      idem_key: 'journey:clinic:acme/milestone/activation/step/1@2026-02-21T00:00:00.000Z',
      title: 'Get Acme activated', assignee_role: 'csm', assignee: 'ada@example.com', priority: 'high',
      due_at: new Date('2026-02-26T00:00:00.000Z'), fired_at: new Date(AT),
    }]);
  });
});

describe('sendReminder', () => {
  const delivery: ActionDelivery = { journey, action: action({ kind: 'remind', source: 'milestone/activation/step/0', message: 'Acme is due soon', channel: 'email' }) };

  it('sends one email and records it sent; a retry does not send again', async () => {
    const activities = createActivities(testActivityDeps(db.pool, smtp.url, http.url));
    expect(await run(activities.sendReminder, 1, delivery)).toBe('sent');
    expect(await run(activities.sendReminder, 2, delivery)).toBe('already-sent');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to).toEqual(['ada@example.com']);
    expect(smtp.received[0]!.raw).toContain('Acme is due soon');
    const { rows } = await db.pool.query('SELECT status, attempts, sent_at IS NOT NULL AS sent FROM outbox');
    expect(rows).toEqual([{ status: 'sent', attempts: 1, sent: true }]);
  });

  it('retries a temporary SMTP refusal, then records the message failed on the last attempt', async () => {
    smtp.refuseWith = 451;
    const activities = createActivities(testActivityDeps(db.pool, smtp.url, http.url));
    await expect(run(activities.sendReminder, 1, delivery)).rejects.toThrow();
    expect((await db.pool.query('SELECT status FROM outbox')).rows).toEqual([{ status: 'pending' }]);
    await expect(run(activities.sendReminder, 2, delivery)).rejects.not.toBeInstanceOf(ApplicationFailure);
    const last = run(activities.sendReminder, 3, delivery);
    await expect(last).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(last).rejects.toMatchObject({ nonRetryable: true, type: 'DeliveryExhausted' });
    const { rows } = await db.pool.query('SELECT status, attempts, last_error FROM outbox');
    expect(rows[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(rows[0].last_error).toMatch(/451/);
    // Once failed, it is never attempted again.
    smtp.refuseWith = null;
    expect(await run(activities.sendReminder, 1, delivery)).toBe('failed');
    expect(smtp.received).toHaveLength(0);
  });

  it('records a permanent SMTP refusal as failed at once', async () => {
    smtp.refuseWith = 550;
    const activities = createActivities(testActivityDeps(db.pool, smtp.url, http.url));
    await expect(run(activities.sendReminder, 1, delivery)).rejects.toMatchObject({ nonRetryable: true, type: 'ChannelRejected' });
    expect((await db.pool.query('SELECT status FROM outbox')).rows).toEqual([{ status: 'failed' }]);
  });

  it('keeps email pending in the outbox when no SMTP server is configured', async () => {
    const activities = createActivities(testActivityDeps(db.pool, null, http.url));
    expect(await run(activities.sendReminder, 1, delivery)).toBe('stored');
    expect((await db.pool.query('SELECT status, attempts, subject FROM outbox')).rows)
      .toEqual([{ status: 'pending', attempts: 0, subject: '[Milepost] Reminder: Acme is due soon' }]);
  });

  it('posts Slack reminders to the Slack webhook', async () => {
    const activities = createActivities(testActivityDeps(db.pool, smtp.url, http.url));
    const slack: ActionDelivery = { journey, action: { ...delivery.action, channel: 'slack' } as FiredAction };
    expect(await run(activities.sendReminder, 1, slack)).toBe('sent');
    expect(http.received.map((r) => r.path)).toEqual(['/slack']);
    expect(JSON.parse(http.received[0]!.body).text).toContain('Acme is due soon');
  });
});

describe('postWebhook', () => {
  const delivery: ActionDelivery = { journey, action: action({ kind: 'webhook', source: 'trigger/complaint/0', to: 'crm', recipient: null, payload: { note: 'hi' } }) };

  it('posts a signed body once', async () => {
    const activities = createActivities(testActivityDeps(db.pool, smtp.url, http.url));
    expect(await run(activities.postWebhook, 1, delivery)).toBe('sent');
    expect(await run(activities.postWebhook, 2, delivery)).toBe('already-sent');
    expect(http.received).toHaveLength(1);
    const request = http.received[0]!;
    expect(request.path).toBe('/crm');
    expect(JSON.parse(request.body)).toMatchObject({ webhook: 'crm', customer: 'acme', source: 'trigger/complaint/0', payload: { note: 'hi' } });
    const headers = { signature: String(request.headers['x-milepost-signature']), timestamp: String(request.headers['x-milepost-timestamp']) };
    const now = Math.floor(Date.now() / 1000);
    expect(verifyWebhook(TEST_WEBHOOK_SECRET, headers, request.body, now)).toBe(true);
    expect(verifyWebhook(TEST_WEBHOOK_SECRET, headers, request.body.replace('hi', 'ho'), now)).toBe(false);
    expect(verifyWebhook('another-secret-0000', headers, request.body, now)).toBe(false);
  });

  it('retries a 503 and gives up at once on a 404', async () => {
    const activities = createActivities(testActivityDeps(db.pool, smtp.url, http.url));
    http.status = 503;
    await expect(run(activities.postWebhook, 1, delivery)).rejects.not.toBeInstanceOf(ApplicationFailure);
    http.status = 404;
    await expect(run(activities.postWebhook, 2, delivery)).rejects.toMatchObject({ nonRetryable: true, type: 'ChannelRejected' });
    expect((await db.pool.query('SELECT status, attempts FROM outbox')).rows).toEqual([{ status: 'failed', attempts: 2 }]);
  });
});

describe('recordLedger', () => {
  it('writes each transition and action once', async () => {
    const activities = createActivities(testActivityDeps(db.pool, smtp.url, http.url));
    const fired = [action({ kind: 'remind', source: 'milestone/activation/on_done/0', message: 'done' })];
    const entries = ledgerEntries(journey.journeyId, [
      { at: AT, kind: 'milestone', milestone: 'activation', from: 'open', to: 'done' },
      { at: AT, kind: 'risk', risk: 'low_health', change: 'raised', actionsFired: true },
    ], fired);
    expect(await run(activities.recordLedger, 1, journey, entries)).toBe(3);
    expect(await run(activities.recordLedger, 2, journey, entries)).toBe(0);
    const { rows } = await db.pool.query('SELECT kind, subject, from_state, to_state, playbook_hash FROM milestone_ledger ORDER BY id');
    expect(rows).toEqual([
      { kind: 'milestone', subject: 'activation', from_state: 'open', to_state: 'done', playbook_hash: 'sha256:abc' },
      { kind: 'risk', subject: 'low_health', from_state: null, to_state: 'raised', playbook_hash: 'sha256:abc' },
      { kind: 'action', subject: 'milestone/activation/on_done/0', from_state: null, to_state: 'remind', playbook_hash: 'sha256:abc' },
    ]);
  });
});

describe('recordInstant', () => {
  it('writes the ledger and opens the tasks together, once', async () => {
    const activities = createActivities(testActivityDeps(db.pool, smtp.url, http.url));
    const task = action({ kind: 'open_task', source: 'risk/low_health/0', title: 'Call Acme', priority: 'high', dueAt: AT + 2 * 86_400_000 });
    const entries = ledgerEntries(journey.journeyId, [{ at: AT, kind: 'risk', risk: 'low_health', change: 'raised', actionsFired: true }], [task]);
    expect(await run(activities.recordInstant, 1, journey, entries, [task])).toBe(2);
    expect(await run(activities.recordInstant, 2, journey, entries, [task])).toBe(0);
    expect((await db.pool.query('SELECT source, title FROM tasks')).rows).toEqual([{ source: 'risk/low_health/0', title: 'Call Acme' }]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM milestone_ledger')).rows[0].n).toBe(2);
  });

  it('writes nothing when part of it fails (one transaction)', async () => {
    const activities = createActivities(testActivityDeps(db.pool, smtp.url, http.url));
    const entries = ledgerEntries(journey.journeyId, [{ at: AT, kind: 'term', outcome: 'ended' }], []);
    const broken = action({ kind: 'open_task', source: 'x', priority: 'high', dueAt: Number.NaN });
    await expect(run(activities.recordInstant, 1, journey, entries, [broken])).rejects.toThrow();
    expect((await db.pool.query('SELECT count(*)::int AS n FROM milestone_ledger')).rows[0].n).toBe(0);
  });
});
