/**
 * Moving a running journey to a new version of its playbook
 * (`milepost deploy --migrate`): the workflow's `migrateJourney` update and
 * the `journeys` row's pin, which the API validates events against.
 *
 * The order, and why: (1) the intent is recorded (`journey_migrations`,
 * pending); (2) Temporal migrates the workflow; (3) one transaction repins
 * the row and marks the record done. The pin never runs ahead of the
 * workflow, so the API never accepts an event that the journey's version does
 * not declare. The gap is the other way (between 2 and 3 the API still
 * validates against the old version, the journey follows the new one), lasts
 * one statement, and closes itself: when the process dies in it, the row
 * keeps the old pin and the record stays pending; the next `deploy --migrate`
 * sees the journey still pinned to the old hash, asks again, the workflow
 * answers that it is already on the new version, and that answer completes
 * the repin. No transaction is held open across the Temporal call: with the
 * embedded database every other connection (the worker's activities, which
 * the migration itself writes its ledger row through) would wait for it.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { completeMigration, failMigration, recordMigrationIntent } from '../../store/journey-migrations.ts';
import type { JourneyRow } from '../../store/journeys.ts';
import type { Pool } from '../../store/pool.ts';
import type { JourneyGateway } from '../temporal/journey-gateway.ts';
import { journeyEventsOf } from './journey-events.ts';

/** Migrates one journey to `ir`; throws (after recording why) when the workflow refuses or Temporal does not answer. */
export async function migrateJourney(pool: Pool, gateway: Pick<JourneyGateway, 'migrate'>, journey: JourneyRow, ir: PlaybookIR, by: string): Promise<void> {
  const id = await recordMigrationIntent(pool, { workflowId: journey.workflowId, fromHash: journey.playbookHash, toHash: ir.sourceHash, by });
  try {
    await gateway.migrate(journey.workflowId, { ir, events: await journeyEventsOf(pool, ir, journey.customerId, []), by });
  } catch (err) {
    const reason = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    // An earlier run migrated the workflow and died before its repin: finish it.
    if (!reason.includes(`already on ${ir.sourceHash}`)) {
      await failMigration(pool, id, reason);
      throw err;
    }
  }
  await completeMigration(pool, id, journey.workflowId, ir.sourceHash);
}
