/**
 * The `milepost` command-line entry point: looks up the sub-command and runs it.
 */
import type { Command, CommandIO } from './command.ts';
import { UsageError } from './command.ts';

/**
 * Sub-commands, each in `client/cli/commands/<name>.ts` with a default export
 * of type {@link Command}. The path is computed so a command is loaded only
 * when it runs.
 */
const COMMAND_NAMES = [
  'validate', 'compile', 'schema', 'graph', 'simulate', 'explain',
  'worker', 'enrol', 'event', 'status', 'plan', 'deploy',
  'serve', 'import', 'report',
] as const;

function loadCommand(name: string): Promise<{ default: Command }> {
  return import(`./commands/${name}.ts`) as Promise<{ default: Command }>;
}

export async function main(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    await printHelp(io);
    return name === undefined ? 2 : 0;
  }
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) {
    io.stderr.write(`milepost: unknown command '${name}'; run 'milepost help' for the list\n`);
    return 2;
  }
  let command: Command;
  try {
    command = (await loadCommand(name)).default;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes(`commands/${name}.ts`)) {
      io.stderr.write(`milepost: the '${name}' command is not available in this build\n`);
      return 2;
    }
    throw err;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`milepost ${name}: ${err.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    throw err;
  }
}

async function printHelp(io: CommandIO): Promise<void> {
  io.stdout.write('usage: milepost <command> [arguments]\n\ncommands:\n');
  for (const name of COMMAND_NAMES) {
    const summary = await loadCommand(name).then((m) => m.default.summary, () => '(not available in this build)');
    io.stdout.write(`  ${name.padEnd(10)} ${summary}\n`);
  }
}

function defaultIO(): CommandIO {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}
