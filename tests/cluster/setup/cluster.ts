/**
 * Global setup of the cluster tier: a Temporal cluster (scripts/cluster) on
 * a private, throwaway Postgres in a temporary folder, on fixed ports of the
 * tier's own (frontend 17500, Postgres 17532: membership ports must stay
 * below 32768, so the OS's ephemeral ports will not do). Its folder is handed
 * to the test files as `MILEPOST_TEST_CLUSTER_DIR`; they attach to it.
 *
 * With `MILEPOST_TEST_CLUSTER_DIR` already set (a cluster started by
 * `npm run cluster -- --dir <folder>`), that cluster is used and left running.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../../scripts/cluster/cluster.ts';

export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.MILEPOST_TEST_CLUSTER_DIR) return async () => {};
  const dir = mkdtempSync(join(tmpdir(), 'milepost-cluster-'));
  chmodSync(dir, 0o755); // the private Postgres runs as Debian's postgres user when we are root
  const started = Date.now();
  const cluster = await startCluster({
    dir, portBase: Number(process.env.MILEPOST_TEST_CLUSTER_PORT ?? 17500), postgresPort: Number(process.env.MILEPOST_TEST_CLUSTER_POSTGRES_PORT ?? 17532),
    namespace: 'default', milepostDatabase: 'milepost', fast: true,
    log: (line) => process.stdout.write(`cluster: ${line}\n`),
  }).catch(async (err: unknown) => {
    await import('../../../scripts/cluster/cluster.ts').then((m) => m.stopCluster(dir));
    throw err;
  });
  process.stdout.write(`cluster: up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${cluster.address}\n`);
  process.env.MILEPOST_TEST_CLUSTER_DIR = dir;
  return async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
