/**
 * The running stack a CLI command acts on (issue 14).
 *
 * `npm start` publishes what its parts listen on in its state folder
 * (`<MILEPOST_HOME>/stack.json`, default `.milepost/`, mode 0600 because it
 * holds the operator token and the database password): the API's URL and
 * token, the database's address, the Temporal address. A command that reads
 * or writes state uses it, so `milepost deploy` deploys into the database the
 * running API reads instead of opening a second copy of the embedded one.
 *
 * Precedence, per part: what the command line or the environment names
 * (`--api`, `MILEPOST_API_URL`, `MILEPOST_API_TOKEN`, `DATABASE_URL`,
 * `TEMPORAL_ADDRESS`) wins; else the published stack; else the defaults
 * (loopback API on `MILEPOST_PORT`, the embedded database, which is locked
 * against a second opener).
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isAlive } from '../../store/process-liveness.ts';

/** What `npm start` publishes in `stack.json`. */
export interface StackState {
  /** The `npm start` process; the file is stale when it is gone. */
  pid: number;
  startedAt: string;
  /** The state folder, absolute. */
  home: string;
  api: { url: string; token: string };
  database: { url: string; embedded: boolean };
  /** Prometheus scrape URLs: the API's (behind the token) and the worker's SDK metrics. */
  metrics?: { api: string; worker: string };
  temporal: { address: string; namespace: string; ui: string | null; searchAttributes: boolean };
}

/** The file name inside the state folder. */
export const STACK_FILE = 'stack.json';

/** Publishes `state` in `home` (written whole, then renamed, so a reader never sees half a file). */
export function writeStackState(home: string, state: StackState): void {
  const path = join(home, STACK_FILE);
  const draft = `${path}.${process.pid}.tmp`;
  writeFileSync(draft, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(draft, path);
}

/** Withdraws the published state (on shutdown), if it is this process's. */
export function removeStackState(home: string, pid = process.pid): void {
  const path = join(home, STACK_FILE);
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as Partial<StackState>;
    if (state.pid === pid) rmSync(path, { force: true });
  } catch {
    // nothing published, or unreadable: nothing to withdraw
  }
}

/**
 * The state folder a command keeps its own state in (an import's checkpoint):
 * `MILEPOST_HOME`, else the nearest existing `.milepost/` from `cwd` upwards,
 * else `<cwd>/.milepost`.
 */
export function stateFolder(env: NodeJS.ProcessEnv, cwd: string): string {
  if (env.MILEPOST_HOME) return resolve(cwd, env.MILEPOST_HOME);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.milepost'))) return join(dir, '.milepost');
    if (dirname(dir) === dir) return join(resolve(cwd), '.milepost');
  }
}

/** What was found where a stack could be published. */
export type StackLookup =
  | { kind: 'running'; file: string; state: StackState }
  | { kind: 'stale'; file: string; pid: number }
  | { kind: 'none'; searched: string };

/**
 * Finds the published stack: in `MILEPOST_HOME` when set (relative to `cwd`),
 * else in the nearest `.milepost/` folder from `cwd` upwards (so a command run
 * anywhere in the project finds the project's stack).
 */
export function findStack(env: NodeJS.ProcessEnv, cwd: string): StackLookup {
  const candidates: string[] = [];
  if (env.MILEPOST_HOME) candidates.push(resolve(cwd, env.MILEPOST_HOME));
  else for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    candidates.push(join(dir, '.milepost'));
    if (dirname(dir) === dir) break;
  }
  for (const home of candidates) {
    const file = join(home, STACK_FILE);
    if (!existsSync(file)) continue;
    let state: StackState;
    try {
      state = JSON.parse(readFileSync(file, 'utf8')) as StackState;
    } catch {
      continue;
    }
    if (!isAlive(state.pid)) return { kind: 'stale', file, pid: state.pid };
    return { kind: 'running', file, state };
  }
  return { kind: 'none', searched: env.MILEPOST_HOME ? candidates[0]! : `.milepost/ from ${resolve(cwd)} upwards` };
}

/** The parts of a stack a command uses. */
export type StackPart = 'api' | 'database' | 'temporal';

/** The environment a command runs with, and the one line saying what it acts on. */
export interface ResolvedStack {
  env: NodeJS.ProcessEnv;
  description: string;
}

/** `postgres://user:secret@host` → `postgres://user:***@host`. */
export function maskUrl(url: string): string {
  return url.replace(/:\/\/([^:@/]+):[^@]*@/, '://$1:***@');
}

/**
 * The environment for a command using `parts`, with what the stack
 * publishes filled in where the environment says nothing, and a description
 * of each part and where it came from. `apiFlag` is the command's `--api`.
 */
export function resolveStack(env: NodeJS.ProcessEnv, cwd: string, parts: readonly StackPart[], apiFlag?: string): ResolvedStack {
  const lookup = findStack(env, cwd);
  const state = lookup.kind === 'running' ? lookup.state : null;
  const merged: NodeJS.ProcessEnv = { ...env };
  const said: string[] = [];
  if (parts.includes('api')) {
    let from: string;
    if (apiFlag !== undefined) from = `${apiFlag} (--api)`;
    else if (env.MILEPOST_API_URL) from = `${env.MILEPOST_API_URL} (MILEPOST_API_URL)`;
    else if (state) {
      merged.MILEPOST_API_URL = state.api.url;
      from = state.api.url;
    } else from = `http://127.0.0.1:${env.MILEPOST_PORT ?? 8080} (default)`;
    if (!env.MILEPOST_API_TOKEN && state) merged.MILEPOST_API_TOKEN = state.api.token;
    said.push(`API ${from}`);
  }
  if (parts.includes('database')) {
    if (env.DATABASE_URL) said.push(`database ${maskUrl(env.DATABASE_URL)} (DATABASE_URL)`);
    else if (state) {
      merged.DATABASE_URL = state.database.url;
      said.push(`database ${state.database.embedded ? 'embedded PGlite served at ' : ''}${maskUrl(state.database.url).replace(/^postgres:\/\/[^@]*@/, '').replace(/\/.*$/, '')}`);
    } else said.push(`database embedded PGlite in ${join(cwd, '.milepost', 'pglite')} (opened by this command)`);
  }
  if (parts.includes('temporal')) {
    if (env.TEMPORAL_ADDRESS) said.push(`Temporal ${env.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`);
    else if (state) {
      merged.TEMPORAL_ADDRESS = state.temporal.address;
      merged.TEMPORAL_NAMESPACE ??= state.temporal.namespace;
      if (state.temporal.searchAttributes) merged.MILEPOST_SEARCH_ATTRIBUTES ??= '1';
      said.push(`Temporal ${state.temporal.address}/${merged.TEMPORAL_NAMESPACE}`);
    } else said.push(`Temporal ${env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'} (default)`);
  }
  const where = lookup.kind === 'running'
    ? `the stack of npm start (pid ${lookup.state.pid}, ${lookup.file})`
    : lookup.kind === 'stale'
      ? `no running stack (${lookup.file} is stale: process ${lookup.pid} is gone)`
      : `no running stack (no ${STACK_FILE} in ${lookup.searched})`;
  return { env: merged, description: `${where}: ${said.join('; ')}` };
}
