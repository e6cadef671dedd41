/**
 * Command-line parsing shared by every `milepost` command: strict options
 * (an unknown option is wrong usage, exit 2) and ISO-8601 instant options.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './command.ts';
import { parseInstant } from '../../workflows/engine/instant.ts';

/** `parseArgs` with positionals allowed and strict options; a mistake is a {@link UsageError}. */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
}

/** Reads an instant option; wrong text is wrong usage (exit 2). */
export function instantOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = parseInstant(value);
  if (t === null) throw new UsageError(`--${name} must be an ISO-8601 instant (2026-06-30 or 2026-06-30T12:00:00Z), got '${value}'`);
  return t;
}
