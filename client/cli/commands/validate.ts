/**
 * `milepost validate <playbook.yaml>...`: compiles each playbook and reports
 * every problem, one line each on stderr (SPEC §13); with a terminal, each
 * line gets a code frame. Exit 0 when all are valid, 1 when any has a
 * problem, 2 when a file cannot be read.
 */
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { compilePlaybook } from '../../../dsl/index.ts';
import { printDiagnostics } from '../diagnostics-printer.ts';
import { readPlaybook } from '../read-playbook.ts';

const validate: Command = {
  summary: 'check playbooks and report every problem with its line and column',
  usage: 'milepost validate <playbook.yaml>...',
  async run(argv, io) {
    const files = argv.filter((a) => !a.startsWith('-'));
    const unknown = argv.find((a) => a.startsWith('-'));
    if (unknown) throw new UsageError(`unknown option ${unknown}`);
    if (files.length === 0) throw new UsageError('name at least one playbook file');
    let invalid = false;
    let unreadable = false;
    for (const file of files) {
      const read = await readPlaybook(file, io.cwd);
      if ('error' in read) {
        io.stderr.write(`milepost validate: ${read.error}\n`);
        unreadable = true;
        continue;
      }
      const { diagnostics } = compilePlaybook(read.source, file);
      printDiagnostics(diagnostics, read.source, io.stderr, io.stderr.isTTY === true);
      if (diagnostics.some((d) => d.severity === 'error')) invalid = true;
      else io.stdout.write(`${file}: ok\n`);
    }
    return unreadable ? 2 : invalid ? 1 : 0;
  },
};

export default validate;
