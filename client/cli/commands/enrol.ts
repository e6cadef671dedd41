/**
 * `milepost enrol <playbook.yaml> <customer.yaml> [--enrolled-at <instant>] [--with-events]`
 * starts the customer's durable journey, pinned to the playbook as compiled
 * now. The customer file has the timeline's shape (SPEC §11): `customer` and
 * `contract`; with `--with-events` its `events` are given to the journey as
 * already known. Enrolling twice is harmless: the running journey is kept.
 */
import { UsageError, type Command } from '../command.ts';
import { instantOption } from '../../simulate/cli-options.ts';

const enrol: Command = {
  summary: 'enrol a customer: start its durable journey on Temporal',
  usage: 'milepost enrol <playbook.yaml> <customer.yaml> [--enrolled-at <instant>] [--with-events] [--json]',
  async run(argv, io) {
    const { parseCommandArgs, withGateway } = await import('../../temporal/cli-support.ts');
    const { values, positionals } = parseCommandArgs(argv, {
      'enrolled-at': { type: 'string' },
      'with-events': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length !== 2) throw new UsageError('name a playbook and a customer file');
    const enrolledAt = instantOption('enrolled-at', values['enrolled-at']) ?? Date.now();
    const { loadPlaybookIR } = await import('../../simulate/load-playbook.ts');
    const { loadTimeline, TimelineError } = await import('../../simulate/timeline.ts');
    const { appliesTo } = await import('../../../workflows/engine/index.ts');
    const loaded = await loadPlaybookIR(positionals[0]!, io, 'enrol');
    if ('exit' in loaded) return loaded.exit;
    const { ir } = loaded;
    let timeline;
    try {
      timeline = await loadTimeline(ir, positionals[1]!);
    } catch (err) {
      if (!(err instanceof TimelineError)) throw err;
      io.stderr.write(`milepost enrol: ${err.message}\n`);
      return 2;
    }
    if (!appliesTo(ir, timeline.customer, timeline.contract)) {
      io.stderr.write(`milepost enrol: ${ir.playbook} does not apply to ${timeline.customer.id} (applies_to: ${ir.appliesTo?.source})\n`);
      return 1;
    }
    return withGateway(io, 'enrol', async (gateway) => {
      const result = await gateway.enrol({
        ir, customer: timeline.customer, contract: timeline.contract, enrolledAt,
        events: values['with-events'] ? timeline.events : [],
      });
      if (values.json) io.stdout.write(`${JSON.stringify({ workflow_id: result.workflowId, already_enrolled: result.alreadyEnrolled })}\n`);
      else io.stdout.write(result.alreadyEnrolled
        ? `${timeline.customer.id} is already enrolled in ${ir.playbook} (${result.workflowId})\n`
        : `enrolled ${timeline.customer.id} in ${ir.playbook} (${result.workflowId}, ${ir.sourceHash.slice(0, 19)})\n`);
      return 0;
    });
  },
};

export default enrol;
