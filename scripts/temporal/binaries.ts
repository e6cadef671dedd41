/**
 * Where Milepost finds the two Temporal programs it runs locally, and how it
 * obtains them on a machine that reaches only package registries:
 *
 * - the Temporal CLI (`temporal server start-dev`, the embedded default of
 *   `npm start`), built from its Go module with `go install`;
 * - Temporal's time-skipping test server (tests), a Java program fetched from
 *   Maven Central with `mvn`, started through a small launcher script.
 *
 * Both live in the git-ignored `.cache/` folder and are never committed. An
 * environment variable overrides each path: `MILEPOST_TEMPORAL_CLI` and
 * `MILEPOST_TEMPORAL_TEST_SERVER`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * Where built binaries are kept: `MILEPOST_CACHE_DIR`, else `.cache/` in the
 * repository (git-ignored). CI points it outside the clone so that warm runs
 * reuse the builds.
 */
export const CACHE_DIR = process.env.MILEPOST_CACHE_DIR || join(ROOT, '.cache');

/**
 * The CLI version that can still be `go install`ed: later tags carry a
 * `replace` directive in go.mod, which `go install pkg@version` refuses.
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const TEST_SERVER_DIR = join(CACHE_DIR, 'temporal-test-server');
const TEST_SERVER_LIB = join(TEST_SERVER_DIR, 'lib');
const TEST_SERVER_LAUNCHER = join(TEST_SERVER_DIR, 'test-server');
const TEST_SERVER_POM = join(ROOT, 'scripts', 'temporal', 'test-server.pom.xml');

/** Path of the Temporal CLI: `MILEPOST_TEMPORAL_CLI`, else the cached build. */
export function temporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.MILEPOST_TEMPORAL_CLI || join(CACHE_DIR, 'bin', 'temporal');
}

/** Path of the test-server launcher: `MILEPOST_TEMPORAL_TEST_SERVER`, else the cached one. */
export function testServerPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.MILEPOST_TEMPORAL_TEST_SERVER || TEST_SERVER_LAUNCHER;
}

export interface ProvisionResult {
  path: string;
  /** What happened: already there, built now, or not possible here (with why). */
  status: 'cached' | 'built' | 'unavailable';
  detail: string;
  ms: number;
}

type Log = (line: string) => void;

/** Builds the Temporal CLI with `go install` unless it is already there. */
export function provisionTemporalCli(log: Log, env: NodeJS.ProcessEnv = process.env): ProvisionResult {
  const path = temporalCliPath(env);
  const started = Date.now();
  if (existsSync(path)) return { path, status: 'cached', detail: 'already built', ms: 0 };
  if (env.MILEPOST_TEMPORAL_CLI) {
    return { path, status: 'unavailable', detail: `MILEPOST_TEMPORAL_CLI points at ${path}, which does not exist`, ms: 0 };
  }
  if (!hasCommand('go')) {
    return { path, status: 'unavailable', detail: 'Go is not installed, so the CLI cannot be built', ms: 0 };
  }
  log(`building the Temporal CLI: go install ${TEMPORAL_CLI_MODULE} (a few minutes the first time)`);
  const run = spawnSync('go', ['install', TEMPORAL_CLI_MODULE], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...env, GOBIN: dirname(path), GOFLAGS: '-trimpath' },
  });
  if (run.status !== 0 || !existsSync(path)) {
    return { path, status: 'unavailable', detail: `go install failed (exit ${run.status})`, ms: Date.now() - started };
  }
  return { path, status: 'built', detail: 'built with go install', ms: Date.now() - started };
}

/**
 * Fetches the test server's classpath with Maven and writes its launcher.
 *
 * The launcher `exec`s java so that the SDK's SIGKILL reaches the JVM itself,
 * and uses a lean JVM set-up (client compiler only, serial GC) because the SDK
 * gives the server a fixed ~5 s to start listening.
 */
export function provisionTestServer(log: Log, env: NodeJS.ProcessEnv = process.env): ProvisionResult {
  const path = testServerPath(env);
  const started = Date.now();
  if (env.MILEPOST_TEMPORAL_TEST_SERVER) {
    return existsSync(path)
      ? { path, status: 'cached', detail: 'from MILEPOST_TEMPORAL_TEST_SERVER', ms: 0 }
      : { path, status: 'unavailable', detail: `MILEPOST_TEMPORAL_TEST_SERVER points at ${path}, which does not exist`, ms: 0 };
  }
  if (hasTestServerJar() && existsSync(path)) return { path, status: 'cached', detail: 'already fetched', ms: 0 };
  if (!hasCommand('java')) return { path, status: 'unavailable', detail: 'Java is not installed', ms: 0 };
  if (!hasTestServerJar()) {
    if (!hasCommand('mvn')) return { path, status: 'unavailable', detail: 'Maven is not installed', ms: 0 };
    log('fetching the Temporal test server from Maven Central (io.temporal:temporal-test-server)');
    mkdirSync(TEST_SERVER_LIB, { recursive: true });
    const run = spawnSync(
      'mvn',
      ['-q', '-B', '-f', TEST_SERVER_POM, 'dependency:copy-dependencies', `-DoutputDirectory=${TEST_SERVER_LIB}`, '-DincludeScope=runtime'],
      { stdio: ['ignore', 'inherit', 'inherit'], env },
    );
    if (run.status !== 0 || !hasTestServerJar()) {
      return { path, status: 'unavailable', detail: `mvn failed (exit ${run.status})`, ms: Date.now() - started };
    }
  }
  writeFileSync(
    TEST_SERVER_LAUNCHER,
    [
      '#!/bin/sh',
      '# Generated by scripts/provision.ts. Starts Temporal\'s time-skipping test server; argv: <port>.',
      '# exec, so that the SDK\'s SIGKILL stops the JVM itself and leaves no orphan.',
      `exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -cp '${TEST_SERVER_LIB}/*' io.temporal.testserver.TestServer "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(TEST_SERVER_LAUNCHER, 0o755);
  return { path, status: 'built', detail: 'fetched with mvn', ms: Date.now() - started };
}

function hasTestServerJar(): boolean {
  return existsSync(TEST_SERVER_LIB) && readdirSync(TEST_SERVER_LIB).some((f) => f.startsWith('temporal-test-server-'));
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
