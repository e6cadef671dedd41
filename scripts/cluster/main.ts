/**
 * `npm run cluster`: a Temporal cluster on this machine, as production runs
 * one — the server (pinned version, built once into the cache) on Postgres,
 * its four services as separate processes, Milepost's namespace and search
 * attributes — then prints the settings that point Milepost at it.
 * Idempotent: run it again and it keeps what runs. `npm run cluster -- --stop`
 * stops the services (and the private Postgres); `--build` only builds the
 * binaries.
 *
 * Options: `--dir <folder>` (MILEPOST_CLUSTER_DIR, default `.milepost/cluster`),
 * `--port <frontend port>` (default 17233; the other services follow),
 * `--postgres-port <port>` (private Postgres, default 17432),
 * `--namespace <name>` (default `default`). `DATABASE_URL` names a Postgres
 * server to use instead of the private one (its user must be able to create
 * databases); Milepost's tables then stay in that URL's database.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../temporal/binaries.ts';
import { provisionClusterBinaries } from './binaries.ts';
import { startCluster, stopCluster } from './cluster.ts';

const { values } = parseArgs({
  options: {
    stop: { type: 'boolean', default: false },
    build: { type: 'boolean', default: false },
    dir: { type: 'string' },
    port: { type: 'string', default: '17233' },
    'postgres-port': { type: 'string', default: '17432' },
    namespace: { type: 'string', default: 'default' },
  },
});
const dir = resolve(values.dir ?? process.env.MILEPOST_CLUSTER_DIR ?? `${ROOT}/.milepost/cluster`);
const log = (line: string) => process.stdout.write(`cluster: ${line}\n`);
const port = (text: string, what: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1024 || n > 32000) {
    process.stderr.write(`cluster: ${what} must be a port from 1024 to 32000 (membership ports sit 100 above the service ports and must stay below 32768), got '${text}'\n`);
    process.exit(2);
  }
  return n;
};

if (values.build) {
  // Only the binaries (CI builds them in a step of their own, with its own time limit).
  const started = Date.now();
  try {
    provisionClusterBinaries(log).steps.forEach(log);
  } catch (err) {
    process.stderr.write(`cluster: ${(err as Error).message}\n`);
    process.exit(1);
  }
  log(`binaries ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} else if (values.stop) {
  await stopCluster(dir, log);
  log('stopped');
} else {
  const started = Date.now();
  try {
    const cluster = await startCluster({
      dir, portBase: port(values.port, '--port'), postgresPort: port(values['postgres-port'], '--postgres-port'),
      namespace: values.namespace, milepostDatabase: 'milepost', log,
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
    });
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s; state and logs in ${dir}`);
    process.stdout.write(`\nPoint Milepost at it:\n\n`);
    process.stdout.write(`export TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${cluster.namespace} MILEPOST_SEARCH_ATTRIBUTES=1\n`);
    process.stdout.write(`export DATABASE_URL=${cluster.databaseUrl}\n`);
    process.stdout.write(`npx milepost worker &   # as many as the load needs\nnpx milepost serve\n\nStop it with: npm run cluster -- --stop\n`);
  } catch (err) {
    process.stderr.write(`cluster: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
