/**
 * The `milepost` command-line entry point: looks up the sub-command and runs it.
 */
import type { Command, CommandIO } from './command.ts';
import { UsageError } from './command.ts';

/** Sub-commands by name, each loaded lazily from `client/cli/commands/<name>.ts`. */
const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  validate: () => import('./commands/validate.ts'),
  compile: () => import('./commands/compile.ts'),
  schema: () => import('./commands/schema.ts'),
  graph: () => import('./commands/graph.ts'),
  simulate: () => import('./commands/simulate.ts'),
  explain: () => import('./commands/explain.ts'),
  worker: () => import('./commands/worker.ts'),
  enrol: () => import('./commands/enrol.ts'),
  event: () => import('./commands/event.ts'),
  status: () => import('./commands/status.ts'),
  plan: () => import('./commands/plan.ts'),
  deploy: () => import('./commands/deploy.ts'),
  serve: () => import('./commands/serve.ts'),
  import: () => import('./commands/import.ts'),
  report: () => import('./commands/report.ts'),
};

export async function main(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    await printHelp(io);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`milepost: unknown command '${name}'; run 'milepost help' for the list\n`);
    return 2;
  }
  let command: Command;
  try {
    command = (await load()).default;
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
  for (const [name, load] of Object.entries(COMMANDS)) {
    const summary = await load().then((m) => m.default.summary, () => '(not available in this build)');
    io.stdout.write(`  ${name.padEnd(10)} ${summary}\n`);
  }
}

function defaultIO(): CommandIO {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}
