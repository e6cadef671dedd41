/**
 * Renders an {@link Explanation} for a terminal: the verdict, the condition
 * with each sub-expression's value at the instant that mattered, the events
 * that counted, and notes.
 */
import { formatInstant } from '../../workflows/engine/instant.ts';
import type { Explanation } from '../../workflows/engine/types.ts';
import { paint } from './colours.ts';
import { shortInstant } from './terminal-view.ts';

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(Math.round(value * 10_000) / 10_000);
  return String(value);
}

/** Text for one explanation. */
export function renderExplanation(x: Explanation, colour: boolean): string {
  const p = paint(colour);
  const lines: string[] = [];
  lines.push(`${p.bold(x.subject)} (${x.kind})`);
  lines.push(`  ${x.summary}`);
  if (x.condition !== null) {
    const verdict = x.condition.value === true ? p.green('true') : p.red(show(x.condition.value));
    lines.push('', `${p.bold('condition')} ${x.condition.source}`);
    lines.push(`  ${x.at === null ? '' : `at ${shortInstant(formatInstant(x.at))}: `}${verdict}`);
    for (const part of x.condition.parts) {
      const value = part.evaluated ? show(part.value) : p.dim('(not evaluated: decided before it)');
      lines.push(`  ${'  '.repeat(part.depth)}${part.text} ${p.dim('=')} ${value}`);
    }
  }
  if (x.events.length > 0) {
    lines.push('', p.bold('events that counted'));
    for (const e of x.events) {
      const data = Object.entries(e.data).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${show(v)}`).join(' ');
      lines.push(`  ${shortInstant(formatInstant(e.at)).padEnd(16)} ${e.type}${data === '' ? '' : ` ${data}`} ${p.dim(`[${e.query}]`)}`);
    }
  } else if (x.condition !== null) {
    lines.push('', p.dim('no event counted'));
  }
  if (x.notes.length > 0) {
    lines.push('', p.bold('notes'));
    for (const n of x.notes) lines.push(`  ${n}`);
  }
  return `${lines.join('\n')}\n`;
}
