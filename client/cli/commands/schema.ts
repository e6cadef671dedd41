/**
 * `milepost schema`: prints the draft-07 JSON Schema of the playbook YAML,
 * generated from the compiler's zod schemas, for yaml-language-server and
 * other editors (`# yaml-language-server: $schema=playbook.schema.json`).
 */
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { playbookJsonSchema } from '../../../dsl/index.ts';
import { parseCommandLine } from '../arguments.ts';

const schema: Command = {
  summary: 'print the JSON Schema of playbook files, for editor autocompletion',
  usage: 'milepost schema',
  async run(argv, io) {
    const { positionals } = parseCommandLine(argv, {});
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    io.stdout.write(`${JSON.stringify(playbookJsonSchema(), null, 2)}\n`);
    return 0;
  },
};

export default schema;
