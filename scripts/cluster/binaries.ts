/**
 * The Temporal server and its SQL tool at one pinned version, built from
 * their Go module with `go install` into the cache (`MILEPOST_CACHE_DIR`, else
 * `.cache/`), with the module's Postgres schema copied next to them, so that a
 * warm machine needs neither the Go build nor the module cache.
 *
 * `go install pkg@version` refuses a module whose go.mod has a `replace`
 * directive; v1.32.1 has none (checked here, from `go mod download -json`,
 * before anything is built).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_DIR } from '../temporal/binaries.ts';

export const TEMPORAL_SERVER_VERSION = 'v1.32.1';
const MODULE = 'go.temporal.io/server';

export interface ClusterBinaries {
  /** `temporal-server` (built from go.temporal.io/server/cmd/server). */
  server: string;
  /** `temporal-sql-tool` (built from go.temporal.io/server/cmd/tools/sql). */
  sqlTool: string;
  /** `schema/postgresql/v12` of the module: `temporal/versioned`, `visibility/versioned`. */
  schemaDir: string;
}

/** Where the pinned version's binaries and schema live in the cache. */
export function clusterBinaryPaths(version = TEMPORAL_SERVER_VERSION): ClusterBinaries {
  const dir = join(CACHE_DIR, 'temporal-cluster', version);
  return { server: join(dir, 'bin', 'temporal-server'), sqlTool: join(dir, 'bin', 'temporal-sql-tool'), schemaDir: join(dir, 'schema', 'postgresql', 'v12') };
}

export interface BuildReport {
  binaries: ClusterBinaries;
  /** One line per part: cached, or built and how long it took. */
  steps: string[];
}

/**
 * Builds what is missing (idempotent: a warm cache returns at once). Throws
 * with the reason when Go is missing or a build fails.
 */
export function provisionClusterBinaries(log: (line: string) => void, version = TEMPORAL_SERVER_VERSION): BuildReport {
  const binaries = clusterBinaryPaths(version);
  const steps: string[] = [];
  const missing = [binaries.server, binaries.sqlTool, join(binaries.schemaDir, 'temporal', 'versioned')].filter((p) => !existsSync(p));
  if (missing.length === 0) return { binaries, steps: [`temporal-server ${version}, temporal-sql-tool and schema: cached in ${join(CACHE_DIR, 'temporal-cluster', version)}`] };
  if (spawnSync('sh', ['-c', 'command -v go'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`Go is not installed: it builds the Temporal server (${MODULE}@${version}); install Go 1.26+ (Debian: golang-go)`);
  }
  const moduleDir = checkedModule(version);
  const bin = join(CACHE_DIR, 'temporal-cluster', version, 'bin');
  mkdirSync(bin, { recursive: true });
  const build = (pkg: string, built: string, target: string) => {
    if (existsSync(target)) return steps.push(`${pkg}: cached`);
    log(`building ${pkg}@${version} with go install (the server takes about 10 min of CPU the first time)`);
    const started = Date.now();
    const run = spawnSync('go', ['install', `${pkg}@${version}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: bin, GOFLAGS: '-trimpath -buildvcs=false' },
    });
    if (run.status !== 0 || !existsSync(join(bin, built))) throw new Error(`go install ${pkg}@${version} failed (exit ${run.status})`);
    renameSync(join(bin, built), target);
    steps.push(`${pkg}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  };
  // The SQL tool first: it is quick, and the schema can be set up while a
  // human waits for the server.
  build(`${MODULE}/cmd/tools/sql`, 'sql', binaries.sqlTool);
  build(`${MODULE}/cmd/server`, 'server', binaries.server);
  if (!existsSync(join(binaries.schemaDir, 'temporal', 'versioned'))) {
    cpSync(join(moduleDir, 'schema', 'postgresql', 'v12'), binaries.schemaDir, { recursive: true });
    steps.push(`schema copied from ${moduleDir}`);
  }
  return { binaries, steps };
}

/** Downloads the module (a no-op when cached) and refuses one whose go.mod has a `replace`. */
function checkedModule(version: string): string {
  const run = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@${version}`], { encoding: 'utf8', cwd: tmpdir() });
  if (run.status !== 0) throw new Error(`go mod download ${MODULE}@${version} failed: ${run.stderr || run.stdout}`);
  const info = JSON.parse(run.stdout) as { Dir?: string; GoMod?: string; Error?: string };
  if (info.Error || !info.Dir || !info.GoMod) throw new Error(`go mod download ${MODULE}@${version}: ${info.Error ?? 'no module directory'}`);
  if (/^\s*replace\b/m.test(readFileSync(info.GoMod, 'utf8'))) {
    throw new Error(`${MODULE}@${version} has a replace directive in go.mod, which go install refuses: pin another version`);
  }
  return info.Dir;
}
