/**
 * Command-line parsing shared by every `milepost` command (issue 15: one
 * parser, one convention): `--opt value` and `--opt=value`, `--` ending the
 * options, strict options (an unknown option is wrong usage, exit 2, with a
 * one-line message naming the known ones), and ISO-8601 instant options.
 * `--help`, `-h` and `--version` are handled before a command runs
 * (client/cli/main.ts).
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
    throw new UsageError(usageMessage(err as Error & { code?: string }, options));
  }
}

/** Node's parseArgs messages, said once in the CLI's own words. */
function usageMessage(err: Error & { code?: string }, options: NonNullable<ParseArgsConfig['options']>): string {
  const known = Object.keys(options).map((name) => `--${name}`);
  const named = /'(-[^' ]+)/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${named ?? ''}${known.length > 0 ? ` (options: ${known.join(', ')})` : ' (this command takes no options)'}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return named !== undefined && options[named.replace(/^-+/, '')]?.type === 'boolean' ? `${named} takes no value` : `${named ?? 'an option'} needs a value`;
    default:
      return err.message.split('\n')[0]!.split('. To specify')[0]!;
  }
}

/** Reads an instant option; wrong text is wrong usage (exit 2). */
export function instantOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = parseInstant(value);
  if (t === null) throw new UsageError(`--${name} must be an ISO-8601 instant (2026-06-30 or 2026-06-30T12:00:00Z), got '${value}'`);
  return t;
}
