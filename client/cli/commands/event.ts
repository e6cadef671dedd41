/**
 * `milepost event <playbook.yaml> <customer-id> <type> [--at <instant>] [--data <json>] [--id <key>]`
 * checks one event against the playbook's declarations and signals it to the
 * customer's running journey. An operator's tool: integrations use
 * `POST /events`, which also stores the event before signalling it.
 */
import { UsageError, type Command } from '../command.ts';
import { instantOption } from '../../simulate/cli-options.ts';

const event: Command = {
  summary: "send one event to a customer's running journey",
  usage: "milepost event <playbook.yaml> <customer-id> <type> [--at <instant>] [--data '<json>'] [--id <key>]",
  async run(argv, io) {
    const { parseCommandArgs, withGateway } = await import('../../temporal/cli-support.ts');
    const { values, positionals } = parseCommandArgs(argv, {
      at: { type: 'string' },
      data: { type: 'string' },
      id: { type: 'string' },
    });
    if (positionals.length !== 3) throw new UsageError('name a playbook, a customer id and an event type');
    const [playbookFile, customerId, type] = positionals as [string, string, string];
    const at = instantOption('at', values.at) ?? Date.now();
    let data: unknown = {};
    if (values.data !== undefined) {
      try {
        data = JSON.parse(values.data);
      } catch {
        throw new UsageError('--data must be a JSON object');
      }
    }
    const { loadPlaybookIR } = await import('../../simulate/load-playbook.ts');
    const { readEvent } = await import('../../../workflows/engine/index.ts');
    const loaded = await loadPlaybookIR(playbookFile, io, 'event');
    if ('exit' in loaded) return loaded.exit;
    const { ir } = loaded;
    const checked = readEvent(ir, { type, at: new Date(at).toISOString(), data, ...(values.id ? { id: values.id } : {}) }, 'json');
    if (checked.event === undefined) {
      io.stderr.write(`milepost event: ${checked.problems.join('; ')}\n`);
      return 2;
    }
    const journeyEvent = checked.event;
    return withGateway(io, 'event', async (gateway) => {
      const { delivered } = await gateway.deliverEvent({ playbook: ir.playbook, customerId, event: journeyEvent });
      if (!delivered) {
        io.stderr.write(`milepost event: ${customerId} has no running journey in ${ir.playbook}\n`);
        return 1;
      }
      io.stdout.write(`delivered ${type} at ${new Date(journeyEvent.at).toISOString()} to ${customerId} (${ir.playbook})\n`);
      return 0;
    });
  },
};

export default event;
