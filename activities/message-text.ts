/**
 * The words of a reminder or escalation email: its subject, a plain-text part
 * and an HTML part, from what the engine fired. A template's subject and
 * Markdown body come rendered by the engine (placeholder values inserted);
 * here the body becomes HTML with markdown-it (raw HTML in a template is not
 * passed through: `html: false`), and every placeholder value is escaped
 * first, so a customer named `*Acme* <b>` reads as written in both parts.
 * Every email also says who the customer is, what it is about (milestone,
 * risk, opportunity or task, with its due date) and links to the customer's
 * dashboard page when MILEPOST_PUBLIC_URL is set. An action without words of
 * its own (an escalation without `message:`) gets a sentence, not ids.
 */
import MarkdownIt from 'markdown-it';
import type { FiredAction, RenderedPart } from '../workflows/engine/types.ts';
import type { JourneyRef } from './types.ts';

export interface MessageText {
  subject: string;
  /** The plain-text part (also what Slack and the outbox show). */
  body: string;
  /** The HTML part. */
  html: string;
}

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** Subject, text and HTML of a `remind` or `escalate` action; `publicUrl` is the dashboard's base URL. */
export function messageText(journey: JourneyRef, action: FiredAction, publicUrl: string | null = null): MessageText {
  const who = journey.customerName === undefined ? journey.customerId : `${journey.customerName} (${journey.customerId})`;
  const about = aboutLine(action);
  const link = publicUrl === null ? null : `${publicUrl.replace(/\/+$/, '')}/dashboard/customers/${encodeURIComponent(journey.customerId)}`;
  const what = action.kind === 'escalate' ? 'Escalation' : 'Reminder';

  // The body, as Markdown text (values inserted as written) and as Markdown with the values escaped.
  const parts: RenderedPart[] = action.kind === 'remind' && action.bodyParts !== undefined
    ? action.bodyParts
    : [{ value: action.message ?? sentence(journey, action) }];
  const bodyText = parts.map((p) => ('text' in p ? p.text : p.value)).join('');
  const bodyMarkdown = parts.map((p) => ('text' in p ? p.text : escapeMarkdown(p.value))).join('');

  const headline = action.kind === 'remind' && action.subject !== undefined ? action.subject : firstLine(action.message ?? sentence(journey, action));
  const subject = action.kind === 'remind' && action.subject !== undefined ? action.subject : `[Milepost] ${what}: ${headline}`;

  const facts = [`Customer: ${who}`, ...(about === null ? [] : [`About: ${about}`]), `Playbook: ${journey.playbook}`];
  const text = [bodyText.trim(), '', ...facts, ...(link === null ? [] : [`Customer page: ${link}`])].join('\n') + '\n';
  const html = [
    '<!doctype html><html><body>',
    markdown.render(bodyMarkdown.trim()),
    '<hr>',
    `<p>${facts.map(escapeHtml).join('<br>\n')}</p>`,
    ...(link === null ? [] : [`<p><a href="${escapeHtml(link)}">Open ${escapeHtml(journey.customerName ?? journey.customerId)} in Milepost</a></p>`]),
    '</body></html>',
  ].join('\n') + '\n';
  return { subject, body: text, html };
}

/** What the action is about, with its due date: "milestone Activated (activation), due 2026-02-28". */
function aboutLine(action: FiredAction): string | null {
  const a = action.about;
  if (a !== undefined) {
    switch (a.kind) {
      case 'milestone': return `milestone ${a.title} (${a.id}), due ${day(a.dueAt)}`;
      case 'task': return `task ${a.title}, due ${day(a.dueAt)}`;
      case 'risk': return `risk ${a.title} (${a.id})`;
      case 'opportunity': return `opportunity ${a.title} (${a.id})`;
      case 'trigger': return `trigger ${a.id}`;
    }
  }
  // Version-1 journeys: the source names it.
  const [kind, id] = action.source.split('/');
  return kind !== undefined && id !== undefined ? `${kind} ${id}` : null;
}

/** The sentence of an action that has no words of its own. */
function sentence(journey: JourneyRef, action: FiredAction): string {
  const customer = journey.customerName ?? journey.customerId;
  const a = action.about;
  const urgent = action.kind === 'escalate' ? 'needs your attention' : 'is worth a look';
  if (a === undefined) return `${customer} ${urgent}: ${aboutLine(action) ?? action.source}.`;
  switch (a.kind) {
    case 'milestone': return `${customer} ${urgent}: the milestone "${a.title}" is due ${day(a.dueAt)}.`;
    case 'task': return `${customer} ${urgent}: the task "${a.title}" was due ${day(a.dueAt)} and is still open.`;
    case 'risk': return `${customer} ${urgent}: the risk "${a.title}" was raised.`;
    case 'opportunity': return `${customer} ${urgent}: the opportunity "${a.title}" opened.`;
    case 'trigger': return `${customer} ${urgent}: ${a.id} happened.`;
  }
}

function day(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** A value shown literally inside Markdown: every character Markdown could read as syntax, backslash-escaped. */
function escapeMarkdown(value: string): string {
  return value.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
