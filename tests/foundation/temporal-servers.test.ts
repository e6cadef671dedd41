/**
 * Smoke tests for the two real Temporal servers the project runs locally
 * (issue #2): the time-skipping test server and the CLI's dev server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { Worker, NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, startTimeSkippingEnv, type DevServer } from '../support/temporal.ts';
import { addNote, finish, notes } from './fixtures/smoke-workflows.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/smoke-workflows.ts', import.meta.url));
const DAY = 86_400_000;

describe('time-skipping test server', () => {
  it('completes a workflow that sleeps 90 days in seconds of wall time', async () => {
    const env = await startTimeSkippingEnv();
    try {
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'smoke', workflowsPath });
      const wallStart = Date.now();
      const result = await worker.runUntil(
        env.client.workflow.execute('sleepForDaysWorkflow', { args: [90], taskQueue: 'smoke', workflowId: 'sleep-90' }),
      );
      const wall = Date.now() - wallStart;
      expect(result.after - result.before).toBeGreaterThanOrEqual(90 * DAY);
      expect(wall).toBeLessThan(30_000);
    } finally {
      await env.teardown();
    }
  });
});

describe('dev server on a SQLite file', () => {
  let dir: string;
  let server: DevServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'milepost-dev-'));
    server = await startDevServer({ dbFile: join(dir, 'temporal.db') });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, signals and queries a workflow, which survives a server restart', async () => {
    const runWorker = async <T>(fn: (client: Client) => Promise<T>): Promise<T> => {
      const nativeConnection = await NativeConnection.connect({ address: server.address });
      const connection = await Connection.connect({ address: server.address });
      try {
        const worker = await Worker.create({ connection: nativeConnection, taskQueue: 'smoke-dev', workflowsPath });
        return await worker.runUntil(fn(new Client({ connection })));
      } finally {
        await connection.close();
        await nativeConnection.close();
      }
    };

    await runWorker(async (client) => {
      const handle = await client.workflow.start('notebookWorkflow', { taskQueue: 'smoke-dev', workflowId: 'notebook' });
      await handle.signal(addNote, 'before restart');
      expect(await handle.query(notes)).toEqual(['before restart']);
    });

    await server.restart();

    const result = await runWorker(async (client) => {
      const handle = client.workflow.getHandle('notebook');
      expect(await handle.query(notes)).toEqual(['before restart']);
      await handle.signal(addNote, 'after restart');
      await handle.signal(finish);
      return handle.result();
    });
    expect(result).toEqual(['before restart', 'after restart']);
  });
});
