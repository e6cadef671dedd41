/**
 * For tests of CLI commands that talk to the HTTP API: a migrated test
 * database with the `onboarding` playbook deployed, the API on a loopback
 * ephemeral port (tests/api/support), and the CLI run in-process with a
 * chosen environment and working directory.
 */
import { Writable } from 'node:stream';
import { main } from '../../../client/cli/main.ts';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.ts';
import { deploy } from '../../api/support/playbook.ts';
import { recordingGateway, type RecordingGateway } from '../../api/support/recording-gateway.ts';
import { startApi, type RunningApi } from '../../api/support/server.ts';

/** A running API over a fresh database, with a recording journey gateway. */
export interface ApiFixture {
  db: TestDatabase;
  api: RunningApi;
  gateway: RecordingGateway;
  close(): Promise<void>;
}

/** Starts an {@link ApiFixture}. */
export async function startApiFixture(): Promise<ApiFixture> {
  const db = await createTestDatabase();
  await deploy(db.pool);
  const gateway = recordingGateway();
  const api = await startApi(db.pool, gateway);
  return { db, api, gateway, async close() { await api.close(); await db.drop(); } };
}

/**
 * Runs `milepost <args>` in-process in `cwd`, with `env` as its whole
 * environment. The line saying which stack a command acts on is taken out of
 * `err` into `stack`, so `err` holds what the command itself said.
 */
export async function runCli(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; out: string; err: string; stack: string | null }> {
  let out = '', err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, done) { append(String(chunk)); done(); } });
  const code = await main(args, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), cwd, env: { ...env } });
  const stackLine = /^milepost [a-z]+: acting on (.*)\n/.exec(err);
  return { code, out, err: stackLine ? err.slice(stackLine[0].length) : err, stack: stackLine?.[1] ?? null };
}
