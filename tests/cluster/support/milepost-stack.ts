/**
 * Milepost as production runs it, against the test cluster: its own database
 * on the cluster's Postgres, the playbook deployed with `milepost deploy`,
 * `milepost worker` processes and one `milepost serve`, all real child
 * processes talking to the four Temporal services. The tests drive it only
 * through its public surfaces: HTTP, the CLI and the Postgres tables.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { attachCluster, type Cluster } from '../../../scripts/cluster/cluster.ts';
import { freePort } from '../../../scripts/temporal/dev-server.ts';
import { startWorkerProcess, type WorkerProcess } from '../../temporal/support/worker-process.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TOKEN = 'cluster-test-token';

export interface MilepostStack {
  cluster: Cluster;
  /** Milepost's tables (a database of this stack's own on the cluster's Postgres). */
  db: pg.Pool;
  env: Record<string, string>;
  workers: WorkerProcess[];
  serve: ServeProcess;
  /** Starts one more `milepost worker` (same task queue); `root` runs another checkout's code. */
  addWorker(options?: { root?: string }): Promise<WorkerProcess>;
  /** Stops `milepost serve` (SIGTERM) and starts it again, from `root` (default: this checkout). */
  replaceServe(options?: { root?: string }): Promise<void>;
  /** Sends a request to `milepost serve`, retrying connection errors and 5xx until `deadlineMs` (a fault may be in progress). */
  api(method: string, path: string, body?: unknown, deadlineMs?: number): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** Brings up a stack named `name` (its database and task queue) with `workers` workers. */
export async function startMilepostStack(
  name: string,
  options: { workers: number; playbooks: string[]; /** Run deploy, serve and workers from another checkout (an older release). */ root?: string; /** Another Temporal (the dev server, for the benchmark); the cluster's Postgres stays. */ temporal?: { address: string; namespace: string } },
): Promise<MilepostStack> {
  const dir = process.env.MILEPOST_TEST_CLUSTER_DIR;
  if (!dir) throw new Error('MILEPOST_TEST_CLUSTER_DIR is not set: run the cluster tier with npm run test:cluster');
  const cluster = await attachCluster(dir);
  const database = `milepost_${name.replace(/[^a-z0-9]/g, '_')}`;
  const admin = new pg.Client({ connectionString: cluster.postgres.url('postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: options.temporal?.address ?? cluster.address, TEMPORAL_NAMESPACE: options.temporal?.namespace ?? cluster.namespace, TEMPORAL_TASK_QUEUE: `cluster-${name}`,
    MILEPOST_SEARCH_ATTRIBUTES: '1', DATABASE_URL: cluster.postgres.url(database), MILEPOST_API_TOKEN: TOKEN,
  };
  for (const playbook of options.playbooks) {
    const root = options.root ?? ROOT;
    const deployed = spawnSync(process.execPath, [`${root}/client/bin/milepost.js`, 'deploy', playbook, '--by', 'cluster-test'], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
    if (deployed.status !== 0) throw new Error(`milepost deploy ${playbook} failed (exit ${deployed.status}):\n${deployed.stdout}${deployed.stderr}`);
  }
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
  // A pool's idle client sees the Postgres restart as an error event: not a failure of the test.
  db.on('error', () => {});
  const workers: WorkerProcess[] = [];
  const addWorker = async (opts: { root?: string } = {}) => {
    const root = opts.root ?? options.root;
    const worker = await startWorkerProcess(env, [], root ? { cli: `${root}/client/bin/milepost.js`, cwd: root } : {});
    workers.push(worker);
    return worker;
  };
  // One after the other: the first builds the workflow bundle that the next reuses.
  for (let i = 0; i < options.workers; i++) await addWorker();
  let serve = await startServe(env, options.root ?? ROOT);
  const api = async (method: string, path: string, body?: unknown, deadlineMs = 180_000) => {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (serve.child.exitCode !== null && !replacing || serve.child.signalCode !== null) {
        throw new Error(`milepost serve exited (${serve.child.exitCode ?? serve.child.signalCode}):\n${serve.output().slice(-3000)}`);
      }
      try {
        const response = await fetch(serve.url + path, {
          method,
          headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await response.text();
        if (response.status < 500 || Date.now() > deadline) return { status: response.status, body: text ? JSON.parse(text) : null };
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  let replacing = false;
  return {
    cluster, db, env, workers, addWorker, api,
    get serve() {
      return serve;
    },
    async replaceServe(opts: { root?: string } = {}) {
      replacing = true;
      await serve.stop();
      serve = await startServe(env, opts.root ?? ROOT);
      replacing = false;
    },
    async stop() {
      await serve.stop();
      await Promise.all(workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).map((w) => w.stop()));
      await db.end();
    },
  };
}

async function startServe(env: Record<string, string>, root: string): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [`${root}/client/bin/milepost.js`, 'serve'], { cwd: root, env: { ...process.env, ...env, MILEPOST_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`milepost serve did not start in 60 s:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`milepost serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
