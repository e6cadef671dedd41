/**
 * The `milepost` command-line entry point: looks up the sub-command and runs it.
 *
 * What every command shares is decided here, once (issue 15): `--help` / `-h`
 * print the command's usage on stdout and exit 0; `--version` prints the
 * version; wrong usage prints one line and the usage on stderr, exit 2; a
 * command that acts on state runs against the stack it belongs to
 * (client/cli/stack.ts) and says which.
 */
import { readFileSync } from 'node:fs';
import type { Command, CommandIO } from './command.ts';
import { UsageError } from './command.ts';
import { resolveStack } from './stack.ts';

/**
 * Sub-commands, each in `client/cli/commands/<name>.ts` with a default export
 * of type {@link Command}. The path is computed so a command is loaded only
 * when it runs.
 */
const COMMAND_NAMES = [
  'validate', 'compile', 'schema', 'graph', 'simulate', 'explain',
  'worker', 'enrol', 'event', 'status', 'plan', 'deploy',
  'serve', 'import', 'report', 'task', 'user',
] as const;

function loadCommand(name: string): Promise<{ default: Command }> {
  return import(`./commands/${name}.ts`) as Promise<{ default: Command }>;
}

/** `milepost <version> (playbook language version 2)`, from package.json. */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `milepost ${pkg.version} (playbook language version 2)`;
}

/** The arguments before a `--` (after it, everything is a positional). */
function optionsPart(argv: string[]): string[] {
  const end = argv.indexOf('--');
  return end < 0 ? argv : argv.slice(0, end);
}

/** The value of `--api`, in either form (`--api URL`, `--api=URL`), for the stack line. */
function apiFlag(argv: string[]): string | undefined {
  const args = optionsPart(argv);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--api') return args[i + 1];
    if (args[i]!.startsWith('--api=')) return args[i]!.slice('--api='.length);
  }
  return undefined;
}

export async function main(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    if (name === 'help' && rest[0] !== undefined && (COMMAND_NAMES as readonly string[]).includes(rest[0])) {
      const command = (await loadCommand(rest[0])).default;
      io.stdout.write(`${command.summary}\n\nusage: ${command.usage}\n`);
      return 0;
    }
    await printHelp(name === undefined ? io.stderr : io.stdout);
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
  const options = optionsPart(rest);
  if (options.includes('--help') || options.includes('-h')) {
    io.stdout.write(`${command.summary}\n\nusage: ${command.usage}\n`);
    return 0;
  }
  if (options.includes('--version')) {
    io.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  let commandIO = io;
  let announce = () => {};
  const uses = typeof command.uses === 'function' ? command.uses(options) : (command.uses ?? []);
  if (uses.length > 0) {
    const stack = resolveStack(io.env, io.cwd, uses, apiFlag(rest));
    // Said before the command's first output (so not before a usage error, which has none).
    let announced = false;
    announce = () => {
      if (announced) return;
      announced = true;
      io.stderr.write(`milepost ${name}: acting on ${stack.description}\n`);
    };
    commandIO = { ...io, env: stack.env, stdout: announcing(io.stdout, announce), stderr: announcing(io.stderr, announce) };
  }
  try {
    const code = await command.run(rest, commandIO);
    announce();
    return code;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`milepost ${name}: ${err.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    throw err;
  }
}

/** `stream`, calling `before` ahead of its first write. */
function announcing<S extends NodeJS.WritableStream>(stream: S, before: () => void): S {
  const wrapped = Object.create(stream) as S;
  wrapped.write = ((...args: Parameters<S['write']>) => {
    before();
    return (stream.write as (...a: unknown[]) => boolean)(...args);
  }) as S['write'];
  return wrapped;
}

async function printHelp(out: NodeJS.WritableStream): Promise<void> {
  out.write(`${versionLine()}\nusage: milepost <command> [arguments]   (milepost <command> --help for its usage)\n\ncommands:\n`);
  for (const name of COMMAND_NAMES) {
    const summary = await loadCommand(name).then((m) => m.default.summary, () => '(not available in this build)');
    out.write(`  ${name.padEnd(10)} ${summary}\n`);
  }
}

function defaultIO(): CommandIO {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}
