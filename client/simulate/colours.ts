/**
 * Terminal colours, for every command of the CLI (the simulator's views,
 * diagnostics' code frames): the one place that decides whether to colour and
 * writes the escape sequences (issue 15).
 *
 * - `FORCE_COLOR` set to anything but `0`/`false`: colour, even into a pipe;
 *   `FORCE_COLOR=0`: never (https://force-color.org);
 * - else `NO_COLOR` set and not empty: never (https://no-color.org);
 * - else colour a terminal (TTY) unless `TERM=dumb`.
 */

export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
}

const code = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

/** Whether to colour what is written to `stream`, per the rules above. */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

/** ANSI painters, or identity functions when colour is off. */
export function paint(colour: boolean): Paint {
  if (!colour) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain, magenta: plain };
  return { bold: code(1, 22), dim: code(2, 22), red: code(31, 39), green: code(32, 39), yellow: code(33, 39), cyan: code(36, 39), magenta: code(35, 39) };
}
