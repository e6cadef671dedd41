/**
 * Emails with words, through the real activity to a real SMTP server
 * (smtp-server sink) with real Postgres (the outbox): a templated reminder
 * arrives as multipart/alternative with the template's rendered subject, a
 * text part and an HTML part (Markdown rendered, placeholder values escaped
 * so they read as written), who the customer is, what it is about with its
 * due date, and the link to the customer's dashboard page; an escalation
 * without a message says so in a sentence, not in ids.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import type { ActionDelivery, JourneyRef } from '../../activities/types.ts';
import type { FiredAction } from '../../workflows/engine/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { resetDeliveries, testActivityDeps } from './support/activity-deps.ts';
import { startHttpReceiver, type HttpReceiver } from './support/http-receiver.ts';
import { mailParts } from './support/mail-parts.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';

const journey: JourneyRef = {
  journeyId: 'journey:clinic:acme-clinic', customerId: 'acme-clinic', playbook: 'clinic-first-year', playbookHash: 'sha256:abc', customerName: 'Acme *Clinic* <b>',
};
const AT = Date.parse('2026-02-21T00:00:00.000Z');
const DUE = Date.parse('2026-02-28T00:00:00.000Z');
const about = { kind: 'milestone' as const, id: 'activation', title: 'Customer activated', dueAt: DUE };

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

const activities = () => createActivities(testActivityDeps(db.pool, smtp.url, http.url, { publicUrl: 'https://milepost.example.com/' }));
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args);

it('sends a templated reminder as text and HTML, with the customer, the milestone and its due date, and the link', async () => {
  // A reminder as the engine fires it from playbooks/templates/activation-due-soon.md (subject and body rendered).
  const action: FiredAction = {
    kind: 'remind', at: AT, source: 'milestone/activation/step/0', to: 'csm', recipient: 'ada@example.com', key: 'milestone/activation/step/0@2026-02-21T00:00:00.000Z',
    channel: 'email', template: 'activation-due-soon', about,
    subject: 'Acme *Clinic* <b> is not activated yet',
    body: '**Acme *Clinic* <b>** is due to be activated by 2026-02-28.\n\n- book the kick-off call\n- send the setup guide\n',
    bodyParts: [
      { text: '**' }, { value: 'Acme *Clinic* <b>' }, { text: '** is due to be activated by ' }, { value: '2026-02-28' },
      { text: '.\n\n- book the kick-off call\n- send the setup guide\n' },
    ],
  };
  const delivery: ActionDelivery = { journey, action };
  expect(await run(activities().sendReminder, delivery)).toBe('sent');
  expect(smtp.received).toHaveLength(1);
  expect(smtp.received[0]!.to).toEqual(['ada@example.com']);
  const mail = mailParts(smtp.received[0]!.raw);
  expect(mail.contentType).toMatch(/^multipart\/alternative/);
  expect(mail.subject).toBe('Acme *Clinic* <b> is not activated yet');

  expect(mail.text).toContain('**Acme *Clinic* <b>** is due to be activated by 2026-02-28.');
  expect(mail.text).toContain('Customer: Acme *Clinic* <b> (acme-clinic)');
  expect(mail.text).toContain('About: milestone Customer activated (activation), due 2026-02-28');
  expect(mail.text).toContain('Customer page: https://milepost.example.com/dashboard/customers/acme-clinic');

  // The template's Markdown is rendered; the customer's name is shown as written, never as markup.
  expect(mail.html).toContain('<strong>Acme *Clinic* &lt;b&gt;</strong> is due to be activated by 2026-02-28.');
  expect(mail.html).toContain('<li>book the kick-off call</li>');
  expect(mail.html).not.toContain('<b>');
  expect(mail.html).not.toContain('<em>');
  expect(mail.html).toContain('About: milestone Customer activated (activation), due 2026-02-28');
  expect(mail.html).toContain('<a href="https://milepost.example.com/dashboard/customers/acme-clinic">Open Acme *Clinic* &lt;b&gt; in Milepost</a>');
});

it('writes a sentence for an escalation without a message', async () => {
  const action: FiredAction = {
    kind: 'escalate', at: DUE, source: 'milestone/activation/step/2', to: 'manager', recipient: 'max@example.com', key: 'milestone/activation/step/2@2026-02-28T00:00:00.000Z', about,
  };
  expect(await run(activities().escalate, { journey, action })).toBe('sent');
  const mail = mailParts(smtp.received[0]!.raw);
  expect(mail.subject).toBe('[Milepost] Escalation: Acme *Clinic* <b> needs your attention: the milestone "Customer activated" is due 2026-02-28.');
  expect(mail.text).toMatch(/^Acme \*Clinic\* <b> needs your attention: the milestone "Customer activated" is due 2026-02-28\.\n/);
  expect(mail.text).not.toContain('milestone/activation/step/2');
  expect(mail.html).toContain('<p>Acme *Clinic* &lt;b&gt; needs your attention: the milestone &quot;Customer activated&quot; is due 2026-02-28.</p>');
});
