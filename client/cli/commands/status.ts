/**
 * `milepost status <customer-id> [--playbook <id>] [--json]`: where the
 * customer's durable journeys stand, read from the workflows themselves
 * (query): milestone states, outcome, next wake-up. Without `--playbook`,
 * every journey of the customer is found through Temporal's visibility.
 */
import { UsageError, type Command, type CommandIO } from '../command.ts';
import type { JourneyProgress } from '../../../workflows/messages.ts';

const status: Command = {
  summary: "show where a customer's durable journeys stand",
  usage: 'milepost status <customer-id> [--playbook <id>] [--json]',
  async run(argv, io) {
    const { parseCommandArgs, withGateway } = await import('../../temporal/cli-support.ts');
    const { values, positionals } = parseCommandArgs(argv, {
      playbook: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new UsageError('name one customer id');
    const customerId = positionals[0]!;
    return withGateway(io, 'status', async (gateway, client) => {
      let playbooks: string[];
      if (values.playbook !== undefined) playbooks = [values.playbook];
      else {
        playbooks = [];
        const suffix = `:${customerId}`;
        for await (const wf of client.workflow.list({ query: `WorkflowType = 'journeyWorkflow'` })) {
          if (wf.workflowId.startsWith('journey:') && wf.workflowId.endsWith(suffix)) {
            const playbook = wf.workflowId.slice('journey:'.length, -suffix.length);
            if (!playbooks.includes(playbook)) playbooks.push(playbook);
          }
        }
      }
      const found: JourneyProgress[] = [];
      for (const playbook of playbooks) {
        try {
          found.push(await gateway.progress(playbook, customerId));
        } catch (err) {
          if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
        }
      }
      if (found.length === 0) {
        io.stderr.write(`milepost status: no journey found for ${customerId}${values.playbook ? ` in ${values.playbook}` : ''}\n`);
        return 1;
      }
      if (values.json) io.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
      else for (const progress of found) printProgress(io, progress);
      return 0;
    });
  },
};

function printProgress(io: CommandIO, p: JourneyProgress): void {
  io.stdout.write(`${p.customer} · ${p.playbook} (${p.playbookHash.slice(0, 19)}) · ${p.outcome}\n`);
  io.stdout.write(`  processed until ${p.processedUntil ?? '-'}; next wake ${p.nextWake ?? 'none (term closed)'}; ${p.actionsFired} actions fired; ${p.pendingEvents} events waiting\n`);
  for (const [id, state] of Object.entries(p.milestones)) io.stdout.write(`  ${state.padEnd(8)} ${id}\n`);
}

export default status;
