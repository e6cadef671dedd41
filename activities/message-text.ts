/**
 * The words of a reminder or escalation: its subject and body, from what the
 * engine fired (the message is already rendered by the engine; a named
 * template is passed through to the channel by name).
 */
import type { FiredAction } from '../workflows/engine/types.ts';
import type { JourneyRef } from './types.ts';

export interface MessageText {
  subject: string;
  body: string;
}

/** Subject and body of a `remind` or `escalate` action. */
export function messageText(journey: JourneyRef, action: FiredAction): MessageText {
  const what = action.kind === 'escalate' ? 'Escalation' : 'Reminder';
  const headline = action.message ?? (action.template !== undefined ? `template ${action.template}` : action.source);
  const subject = `[Milepost] ${what}: ${firstLine(headline)}`;
  const lines = [
    action.message ?? '',
    action.template !== undefined ? `Template: ${action.template}` : '',
    '',
    `Customer: ${journey.customerId}`,
    `Playbook: ${journey.playbook}`,
    `Source: ${action.source} at ${new Date(action.at).toISOString()}`,
  ];
  return { subject, body: lines.filter((line, i) => line !== '' || i === 2).join('\n').trim() + '\n' };
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
