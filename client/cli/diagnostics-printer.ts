/**
 * Prints compiler diagnostics: `path:line:col: error: message` (reference §13),
 * and on a terminal a code frame with a caret run under the exact token.
 */
import type { Diagnostic } from '../../dsl/index.ts';
import { formatDiagnostic } from '../../dsl/index.ts';
import { paint } from '../simulate/colours.ts';

/** Longest source line shown in a code frame; longer lines are cut around the caret. */
const MAX_WIDTH = 100;

/**
 * The code frame of a diagnostic: the offending line with its number, and
 * carets under `range` (clipped to that line).
 */
export function codeFrame(d: Diagnostic, source: string, color = false): string {
  const { line, col } = d.linePos;
  const lines = source.split('\n');
  const text = (lines[line - 1] ?? '').replace(/\r$/, '');
  const start = col - 1;
  const length = Math.max(1, Math.min(d.range[1] - d.range[0], text.length - start));
  let shown = text;
  let caretAt = start;
  if (text.length > MAX_WIDTH) {
    const from = Math.max(0, Math.min(start - 20, text.length - MAX_WIDTH));
    shown = (from > 0 ? '…' : '') + text.slice(from, from + MAX_WIDTH);
    caretAt = start - from + (from > 0 ? 1 : 0);
  }
  const gutter = String(line);
  const pad = ' '.repeat(gutter.length);
  const caret = '^'.repeat(Math.min(length, MAX_WIDTH));
  const { red, dim } = paint(color);
  return `${dim(`${gutter} |`)} ${shown.replace(/\t/g, ' ')}\n${dim(`${pad} |`)} ${' '.repeat(Math.max(0, caretAt))}${red(caret)}`;
}

/**
 * Writes every diagnostic, one line each; with `frames` (a TTY) each line is
 * followed by its code frame, coloured when `colour` (client/simulate/colours.ts
 * decides: `NO_COLOR`, `FORCE_COLOR`).
 */
export function printDiagnostics(diagnostics: Diagnostic[], source: string, out: NodeJS.WritableStream, frames: boolean, colour = frames): void {
  for (const d of diagnostics) {
    out.write(`${formatDiagnostic(d)}\n`);
    if (frames) out.write(`${codeFrame(d, source, colour)}\n\n`);
  }
}
