/**
 * Temporal's two databases on the cluster's Postgres, created and brought to
 * the pinned version's schema with `temporal-sql-tool`, as Temporal documents
 * for a self-hosted cluster:
 * `create-database`, then `setup-schema -v 0.0` (the version tables), then
 * `update-schema -d <versioned dir>` (every versioned step in order). Each step
 * is idempotent: an existing database is kept, `setup-schema -v 0.0` skips a
 * schema already past 0.0, `update-schema` applies only missing versions.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ClusterBinaries } from './binaries.ts';
import { ensureDatabase, type ClusterPostgres } from './postgres.ts';

export const TEMPORAL_DATABASE = 'temporal';
export const VISIBILITY_DATABASE = 'temporal_visibility';

/** Creates or upgrades both schemas; returns one line per database. */
export async function setUpTemporalSchemas(binaries: ClusterBinaries, server: ClusterPostgres): Promise<string[]> {
  const lines: string[] = [];
  for (const [database, folder] of [[TEMPORAL_DATABASE, 'temporal'], [VISIBILITY_DATABASE, 'visibility']] as const) {
    const created = await ensureDatabase(server, database);
    const base = ['--plugin', 'postgres12', '--ep', server.host, '-p', String(server.port), '-u', server.user, '--db', database];
    if (server.password) base.push('--pw', server.password);
    sqlTool(binaries, [...base, 'setup-schema', '-v', '0.0']);
    sqlTool(binaries, [...base, 'update-schema', '-d', join(binaries.schemaDir, folder, 'versioned')]);
    lines.push(`${database}: ${created ? 'created' : 'kept'}, schema at the newest version of ${folder}/versioned`);
  }
  return lines;
}

function sqlTool(binaries: ClusterBinaries, args: string[]): void {
  const run = spawnSync(binaries.sqlTool, args, { encoding: 'utf8' });
  if (run.status !== 0) {
    const shown = args.map((a, i) => (args[i - 1] === '--pw' ? '***' : a)).join(' ');
    throw new Error(`temporal-sql-tool ${shown} failed (exit ${run.status}):\n${(run.stderr || run.stdout).trim().split('\n').slice(-15).join('\n')}`);
  }
}
