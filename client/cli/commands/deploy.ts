/**
 * `milepost deploy <playbook.yaml> [--migrate] [--by <name>]`: stores the
 * playbook as its next version (a playbook that does not compile is never
 * deployed: exit 1). New enrolments pin it. Running journeys keep their
 * pinned version unless `--migrate` moves them, one by one, through the
 * journey's `migrateJourney` update (recorded in the ledger).
 */
import { userInfo } from 'node:os';
import { UsageError, type Command } from '../command.ts';
import { parseCommandLine } from '../arguments.ts';

const deploy: Command = {
  summary: 'deploy a playbook version; --migrate moves running journeys to it',
  usage: 'milepost deploy <playbook.yaml> [--migrate] [--by <name>]',
  uses: ['database', 'temporal'],
  async run(argv, io) {
    const { withGateway } = await import('../../temporal/cli-support.ts');
    const { values, positionals } = parseCommandLine(argv, {
      migrate: { type: 'boolean', default: false },
      by: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('name one playbook');
    const { readFile } = await import('node:fs/promises');
    const { resolve } = await import('node:path');
    const { loadPlaybookIR } = await import('../../simulate/load-playbook.ts');
    const loaded = await loadPlaybookIR(positionals[0]!, io, 'deploy');
    if ('exit' in loaded) return loaded.exit;
    const { ir } = loaded;
    const source = await readFile(resolve(io.cwd, positionals[0]!), 'utf8');
    const by = values.by ?? io.env.USER ?? userInfo().username;
    const { openDatabase } = await import('../../../store/database.ts');
    const { insertPlaybookVersion } = await import('../../../store/playbooks.ts');
    const { planDeploy } = await import('../../temporal/plan-inputs.ts');
    const { migrateJourney } = await import('../../api/migrate-journeys.ts');
    const { renderPlan } = await import('../../temporal/playbook-plan.ts');
    const db = await openDatabase(io.env, io.cwd);
    try {
      const { plan, running } = await planDeploy(db.pool, ir);
      io.stdout.write(renderPlan(plan));
      const { version, created } = await insertPlaybookVersion(db.pool, { source, ir, deployedBy: by });
      io.stdout.write(created ? `deployed ${ir.playbook} version ${version} (${ir.sourceHash.slice(0, 19)})\n` : `${ir.playbook} ${ir.sourceHash.slice(0, 19)} is already version ${version}\n`);
      const toMigrate = running.filter((j) => j.playbookHash !== ir.sourceHash);
      if (!values.migrate) {
        if (toMigrate.length > 0) io.stdout.write(`${toMigrate.length} running journeys keep their pinned version (deploy with --migrate to move them)\n`);
        return 0;
      }
      if (toMigrate.length === 0) return 0;
      return await withGateway(io, 'deploy', async (gateway) => {
        let failed = 0;
        for (const journey of toMigrate) {
          try {
            // Workflow first, then the repin with its record in one transaction (order explained there).
            await migrateJourney(db.pool, gateway, journey, ir, by);
            io.stdout.write(`  migrated ${journey.customerId}\n`);
          } catch (err) {
            failed += 1;
            const reason = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
            io.stderr.write(`  not migrated ${journey.customerId}: ${reason}\n`);
          }
        }
        io.stdout.write(`migrated ${toMigrate.length - failed} of ${toMigrate.length} running journeys\n`);
        return failed === 0 ? 0 : 1;
      });
    } finally {
      await db.close();
    }
  },
};

export default deploy;
