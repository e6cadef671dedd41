/**
 * `milepost validate [--json] <playbook.yaml>...`: compiles each playbook and
 * reports every problem, one line each on stderr (reference §13); with a terminal,
 * each line gets a code frame. `--json` prints the diagnostics as one JSON
 * array on stdout instead (for editors and CI annotations). Exit 0 when all
 * are valid, 1 when any has a problem, 2 when a file cannot be read.
 */
import type { Diagnostic } from '../../../dsl/index.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { compilePlaybook } from '../../../dsl/index.ts';
import { templatesBeside } from '../../files/template-files.ts';
import { printDiagnostics } from '../diagnostics-printer.ts';
import { readPlaybook } from '../read-playbook.ts';
import { wantsColour } from '../../simulate/colours.ts';
import { parseCommandLine } from '../arguments.ts';

const validate: Command = {
  summary: 'check playbooks and report every problem with its line and column',
  usage: 'milepost validate [--json] <playbook.yaml>...',
  async run(argv, io) {
    const { values, positionals: files } = parseCommandLine(argv, { json: { type: 'boolean', default: false } });
    const json = values.json;
    if (files.length === 0) throw new UsageError('name at least one playbook file');
    let invalid = false;
    let unreadable = false;
    const all: Diagnostic[] = [];
    for (const file of files) {
      const read = await readPlaybook(file, io.cwd);
      if ('error' in read) {
        io.stderr.write(`milepost validate: ${read.error}\n`);
        unreadable = true;
        continue;
      }
      const { diagnostics } = compilePlaybook(read.source, file, { templates: templatesBeside(file, io.cwd) });
      const failed = diagnostics.some((d) => d.severity === 'error');
      if (failed) invalid = true;
      if (json) {
        all.push(...diagnostics);
        continue;
      }
      printDiagnostics(diagnostics, read.source, io.stderr, io.stderr.isTTY === true, wantsColour(io.stderr, io.env));
      if (!failed) io.stdout.write(`${file}: ok\n`);
    }
    if (json) io.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
    return unreadable ? 2 : invalid ? 1 : 0;
  },
};

export default validate;
