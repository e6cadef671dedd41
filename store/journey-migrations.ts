/**
 * `deploy --migrate`'s record of each journey moved to a new playbook
 * version: the intent first (before Temporal is asked), then, in one
 * transaction, the journey's repin and the record's completion (the order is
 * explained in client/api/migrate-journeys.ts).
 */
import type { Pool } from './pool.ts';
import { withTransaction, type Queryable } from './queryable.ts';

/** Records that `workflowId` is about to be migrated; returns the record's id. */
export async function recordMigrationIntent(db: Queryable, m: { workflowId: string; fromHash: string; toHash: string; by: string }): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO journey_migrations (workflow_id, from_hash, to_hash, by) VALUES ($1, $2, $3, $4) RETURNING id::int',
    [m.workflowId, m.fromHash, m.toHash, m.by]);
  return rows[0]!.id;
}

/** Repins the journey to `toHash` and marks the record done, together: the API validates against the new version from then on. */
export async function completeMigration(pool: Pool, id: number, workflowId: string, toHash: string): Promise<void> {
  await withTransaction(pool, async (db) => {
    await db.query('UPDATE journeys SET playbook_hash = $2, updated_at = now() WHERE workflow_id = $1', [workflowId, toHash]);
    await db.query(`UPDATE journey_migrations SET status = 'done', finished_at = now() WHERE id = $1`, [id]);
  });
}

/** Marks the record failed with the reason (the journey stays on its version). */
export async function failMigration(db: Queryable, id: number, error: string): Promise<void> {
  await db.query(`UPDATE journey_migrations SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [id, error]);
}
