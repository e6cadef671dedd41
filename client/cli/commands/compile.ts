/**
 * `milepost compile <playbook.yaml>`: prints the compiled IR as JSON on
 * stdout (reference §13). Problems go to stderr as in `validate`, exit 1.
 */
import { createHash } from 'node:crypto';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { compilePlaybook } from '../../../dsl/index.ts';
import { templatesBeside } from '../../files/template-files.ts';
import { printDiagnostics } from '../diagnostics-printer.ts';
import { readPlaybook } from '../read-playbook.ts';
import { wantsColour } from '../../simulate/colours.ts';
import { parseCommandLine } from '../arguments.ts';

/** Same string as the compiler's pure-TS default, computed natively. */
function nodeHash(source: string): string {
  return `sha256:${createHash('sha256').update(source, 'utf8').digest('hex')}`;
}

const compile: Command = {
  summary: 'compile a playbook and print its IR as JSON',
  usage: 'milepost compile <playbook.yaml>',
  async run(argv, io) {
    const { positionals } = parseCommandLine(argv, {});
    if (positionals.length !== 1) throw new UsageError('name exactly one playbook file');
    const file = positionals[0]!;
    const read = await readPlaybook(file, io.cwd);
    if ('error' in read) {
      io.stderr.write(`milepost compile: ${read.error}\n`);
      return 2;
    }
    const { ir, diagnostics } = compilePlaybook(read.source, file, { hash: nodeHash, templates: templatesBeside(file, io.cwd) });
    printDiagnostics(diagnostics, read.source, io.stderr, io.stderr.isTTY === true, wantsColour(io.stderr, io.env));
    if (!ir) return 1;
    io.stdout.write(`${JSON.stringify(ir, null, 2)}\n`);
    return 0;
  },
};

export default compile;
