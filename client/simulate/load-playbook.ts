/**
 * Reads and compiles the playbook a simulator command names: exit 2 when it
 * cannot be read, exit 1 (with the compiler's diagnostics) when it does not
 * compile (reference §13).
 */
import type { CommandIO } from '../cli/command.ts';
import { printDiagnostics } from '../cli/diagnostics-printer.ts';
import { readPlaybook } from '../cli/read-playbook.ts';
import { wantsColour } from './colours.ts';
import { compilePlaybook } from '../../dsl/index.ts';
import { templatesBeside } from '../files/template-files.ts';
import type { PlaybookIR } from '../../dsl/ir/schema.ts';

/** The compiled playbook, or the exit code after the reason was printed. */
export async function loadPlaybookIR(file: string, io: CommandIO, command: string): Promise<{ ir: PlaybookIR } | { exit: number }> {
  const read = await readPlaybook(file, io.cwd);
  if ('error' in read) {
    io.stderr.write(`milepost ${command}: ${read.error}\n`);
    return { exit: 2 };
  }
  const { ir, diagnostics } = compilePlaybook(read.source, file, { templates: templatesBeside(file, io.cwd) });
  if (ir === undefined) {
    printDiagnostics(diagnostics, read.source, io.stderr, io.stderr.isTTY === true, wantsColour(io.stderr, io.env));
    return { exit: 1 };
  }
  return { ir };
}
