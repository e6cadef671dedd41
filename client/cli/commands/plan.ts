/**
 * `milepost plan <playbook.yaml> [--json]`: what deploying this version would
 * change compared with the deployed one — milestones, steps, risks and
 * triggers added, removed, moved or changed — and which running journeys it
 * would touch if migrated (with the steps they have already fired). Changes
 * nothing. Reads the store (`DATABASE_URL`, or the embedded database).
 */
import { UsageError, type Command } from '../command.ts';
import { parseCommandLine } from '../arguments.ts';

const plan: Command = {
  summary: 'show what a new playbook version changes and which running journeys it touches',
  usage: 'milepost plan <playbook.yaml> [--json]',
  uses: ['database'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { json: { type: 'boolean', default: false } });
    if (positionals.length !== 1) throw new UsageError('name one playbook');
    const { loadPlaybookIR } = await import('../../simulate/load-playbook.ts');
    const loaded = await loadPlaybookIR(positionals[0]!, io, 'plan');
    if ('exit' in loaded) return loaded.exit;
    const { openDatabase } = await import('../../../store/database.ts');
    const { planDeploy } = await import('../../temporal/plan-inputs.ts');
    const { renderPlan } = await import('../../temporal/playbook-plan.ts');
    const db = await openDatabase(io.env, io.cwd);
    try {
      const { plan: result } = await planDeploy(db.pool, loaded.ir);
      io.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : renderPlan(result));
      return 0;
    } finally {
      await db.close();
    }
  },
};

export default plan;
