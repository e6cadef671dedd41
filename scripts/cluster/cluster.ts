/**
 * A Temporal cluster on one machine, as production runs one on several:
 * the server at a pinned version on Postgres (`postgres12` persistence for
 * history and visibility), its four services as separate processes, then
 * Milepost's namespace and search attributes. Used by `npm run cluster`
 * (scripts/cluster/main.ts), the cluster tests and bench/cluster.ts.
 *
 * Everything lives in one state folder: `config/` (server YAML), `logs/`,
 * `postgres/` (the private server, when no `DATABASE_URL` is given),
 * `services.json` (pids) and `cluster.json` (what `--stop` needs).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { provisionTemporalCli } from '../temporal/binaries.ts';
import { provisionClusterBinaries, TEMPORAL_SERVER_VERSION } from './binaries.ts';
import { clusterPorts, SERVICES, writeServerConfig, type ClusterPorts, type ServiceName } from './config.ts';
import { ensureNamespace } from './namespace.ts';
import { ensureDatabase, ensurePostgres, type ClusterPostgres } from './postgres.ts';
import { setUpTemporalSchemas, TEMPORAL_DATABASE } from './schema.ts';
import { temporalClusterMetadataWritten } from '../../store/server-admin.ts';
import { isAlive, readServicePids, serviceLogTail, startService, stopService, waitForFrontend } from './services.ts';

export interface ClusterOptions {
  /** The state folder. */
  dir: string;
  /** The frontend's gRPC port; the other ports follow it (config.ts, `clusterPorts`). */
  portBase: number;
  /** Port of the private Postgres (when no `databaseUrl`). */
  postgresPort: number;
  /** A Postgres server to use instead of the private one. */
  databaseUrl?: string;
  namespace: string;
  /** Database of Milepost's own tables on the same server. */
  milepostDatabase: string;
  historyShards?: number;
  /** Private Postgres without durability: throwaway test clusters only. */
  fast?: boolean;
  log?: (line: string) => void;
}

export interface Cluster {
  /** Frontend `host:port` (TEMPORAL_ADDRESS). */
  address: string;
  namespace: string;
  /** Milepost's DATABASE_URL on the cluster's Postgres. */
  databaseUrl: string;
  postgres: ClusterPostgres;
  ports: ClusterPorts;
  dir: string;
  /** Kills a service at once (SIGKILL), as a host crash would. */
  kill(service: ServiceName): Promise<void>;
  /** Starts stopped services (keeping running ones) and waits for the frontend to answer. */
  start(...services: ServiceName[]): Promise<void>;
  /** Graceful stop (SIGTERM) and start of one service. */
  restart(service: ServiceName): Promise<void>;
  /** Stops the four services and the private Postgres. */
  stop(): Promise<void>;
}

interface SavedState {
  version: string;
  portBase: number;
  namespace: string;
  privatePostgres: boolean;
  postgresPort: number;
  address: string;
  configFile: string;
  server: string;
  databaseUrl: string;
  fast: boolean;
}

/** Builds what is missing, then brings the cluster up (keeping whatever already runs). */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? (() => {});
  const { binaries, steps } = provisionClusterBinaries(log);
  steps.forEach(log);
  // The Temporal CLI registers the namespace and search attributes, as an operator would.
  const cli = provisionTemporalCli(log);
  if (cli.status === 'unavailable') throw new Error(`the Temporal CLI is needed for the namespace: ${cli.detail}`);
  mkdirSync(options.dir, { recursive: true });
  const postgres = await ensurePostgres({
    dir: join(options.dir, 'postgres'), port: options.postgresPort, fast: options.fast ?? false,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  log(`postgres: ${postgres.private ? `private server on 127.0.0.1:${postgres.port} (${join(options.dir, 'postgres')})` : `${postgres.host}:${postgres.port} from DATABASE_URL`}`);
  (await setUpTemporalSchemas(binaries, postgres)).forEach(log);
  if (!options.databaseUrl && (await ensureDatabase(postgres, options.milepostDatabase))) log(`database ${options.milepostDatabase} created for Milepost's tables`);
  const ports = clusterPorts(options.portBase);
  const configFile = writeServerConfig(join(options.dir, 'config'), {
    ports, postgres, historyShards: options.historyShards ?? 4,
  });
  const address = `127.0.0.1:${ports.services.frontend.grpc}`;
  const saved: SavedState = {
    version: TEMPORAL_SERVER_VERSION, portBase: options.portBase, namespace: options.namespace, privatePostgres: postgres.private,
    postgresPort: postgres.port, address, configFile, server: binaries.server,
    databaseUrl: options.databaseUrl ?? postgres.url(options.milepostDatabase), fast: options.fast ?? false,
  };
  writeFileSync(join(options.dir, 'cluster.json'), JSON.stringify(saved, null, 2) + '\n');
  const cluster = clusterHandle(options.dir, saved, postgres);
  await cluster.start(...SERVICES);
  log(`services: ${SERVICES.map((s) => `${s} pid ${readServicePids(options.dir)[s]} (:${ports.services[s].grpc})`).join(', ')}`);
  (await ensureNamespace({ address, namespace: options.namespace, retention: '72h' })).forEach(log);
  return cluster;
}

/** The cluster that `startCluster` brought up in `dir` (in another process, e.g. a test file), without starting anything. */
export async function attachCluster(dir: string): Promise<Cluster> {
  const saved = readSavedState(dir);
  if (!saved) throw new Error(`no cluster in ${dir}: run 'npm run cluster' first`);
  const postgres = saved.privatePostgres
    ? await ensurePostgres({ dir: join(dir, 'postgres'), port: saved.postgresPort, fast: saved.fast })
    : await ensurePostgres({ dir: join(dir, 'postgres'), port: saved.postgresPort, databaseUrl: saved.databaseUrl });
  return clusterHandle(dir, saved, postgres);
}

function clusterHandle(dir: string, saved: SavedState, postgres: ClusterPostgres): Cluster {
  const deadService = () => {
    for (const name of SERVICES) {
      const pid = readServicePids(dir)[name];
      if (pid && !isAlive(pid)) return `the ${name} service exited; last lines of ${join(dir, 'logs', `${name}.log`)}:\n${serviceLogTail(dir, name)}`;
    }
    return null;
  };
  const start = async (...names: ServiceName[]) => {
    const [first, ...others] = names;
    if (first === undefined) return;
    startService(dir, saved.server, saved.configFile, first);
    // On a fresh database the services race to write the cluster metadata and the losers exit:
    // the first one writes it alone (at once when it is there already).
    if (others.length > 0) await waitForClusterMetadata(postgres.url(TEMPORAL_DATABASE), 120_000, deadService);
    for (const name of others) startService(dir, saved.server, saved.configFile, name);
    await waitForFrontend(saved.address, 120_000, deadService);
  };
  return {
    address: saved.address,
    namespace: saved.namespace,
    databaseUrl: saved.databaseUrl,
    postgres,
    ports: clusterPorts(saved.portBase),
    dir,
    kill: (service) => stopService(dir, service, 'SIGKILL'),
    start,
    async restart(service) {
      await stopService(dir, service, 'SIGTERM');
      await start(service);
    },
    stop: () => stopCluster(dir),
  };
}

function readSavedState(dir: string): SavedState | null {
  const file = join(dir, 'cluster.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SavedState) : null;
}

/** Stops what `startCluster` started in `dir` (services in reverse order, then the private Postgres). */
export async function stopCluster(dir: string, log: (line: string) => void = () => {}): Promise<void> {
  for (const name of [...SERVICES].reverse()) {
    const pid = readServicePids(dir)[name];
    if (isAlive(pid)) log(`stopping ${name} (pid ${pid})`);
    await stopService(dir, name, 'SIGTERM');
  }
  const saved = readSavedState(dir);
  if (saved?.privatePostgres) {
    const postgres = await ensurePostgresIfRunning(join(dir, 'postgres'), saved.postgresPort);
    if (postgres) {
      log('stopping the private Postgres');
      await postgres.stop();
    }
  }
}

/** The private server's handle, without starting it when it is down. */
async function ensurePostgresIfRunning(dir: string, port: number): Promise<ClusterPostgres | null> {
  if (!existsSync(join(dir, 'data', 'postmaster.pid'))) return null;
  return ensurePostgres({ dir, port });
}

/** Waits until Temporal's cluster metadata is written, or throws when a service died or after `ms`. */
async function waitForClusterMetadata(temporalUrl: string, ms: number, deadService: () => string | null): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await temporalClusterMetadataWritten(temporalUrl))) {
    const dead = deadService();
    if (dead) throw new Error(dead);
    if (Date.now() > deadline) throw new Error(`Temporal wrote no cluster metadata in ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
