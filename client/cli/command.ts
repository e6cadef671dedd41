/**
 * What every `milepost` sub-command module exports. Each command lives in its
 * own file under `client/cli/commands/` and is loaded only when invoked, so
 * `milepost validate` never pays for loading the Temporal SDK.
 */
import type { StackPart } from './stack.ts';

export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** One line for `milepost help`. */
  summary: string;
  /** Usage line(s), printed by `--help` and on wrong usage. */
  usage: string;
  /**
   * The parts of the running stack the command reads or writes state
   * through. For such a command the CLI finds the stack (client/cli/stack.ts),
   * fills in its addresses where the environment names none, and says on
   * stderr which stack it acts on before running it.
   */
  uses?: readonly StackPart[] | ((argv: string[]) => readonly StackPart[]);
  /**
   * Runs the command. Returns the exit code: 0 success, 1 the input has
   * problems (validation failures), 2 wrong usage or unreadable input (reference §13).
   */
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** Thrown for wrong usage; the CLI prints the message and the usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
