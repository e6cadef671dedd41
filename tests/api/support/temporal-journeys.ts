/**
 * Real durable journeys for the API and browser tests: a Temporal dev server
 * (real time, as in production), a journey worker with the real activities
 * writing tasks, outbox and ledger into the test database (email and Slack
 * kept in the outbox, no webhooks), and the real journey gateway.
 */
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createActivities } from '../../../activities/index.ts';
import { compilePlaybook } from '../../../dsl/index.ts';
import { templatesBeside } from '../../../client/files/template-files.ts';
import type { PlaybookIR } from '../../../dsl/ir/schema.ts';
import { insertPlaybookVersion } from '../../../store/playbooks.ts';
import type { Pool } from '../../../store/pool.ts';
import { createJourneyGateway, type JourneyGateway } from '../../../client/temporal/journey-gateway.ts';
import { createJourneyWorker } from '../../../worker/journey-worker.ts';
import { startDevServer, type DevServer, type DevServerOptions } from '../../support/temporal.ts';

/** A running Temporal with a worker, and the gateway to it. */
export interface TemporalJourneys {
  gateway: JourneyGateway;
  client: Client;
  stop(): Promise<void>;
}

/** Starts a dev server (with `options`, e.g. dynamic config) and a worker whose activities write into `pool`'s database. */
export async function startTemporalJourneys(pool: Pool, options: DevServerOptions = {}): Promise<TemporalJourneys> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Installed already in this process: keep it.
  }
  const server: DevServer = await startDevServer(options);
  const taskQueue = `api-test-${randomUUID()}`;
  let native: NativeConnection | undefined;
  let connection: Connection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    native = await NativeConnection.connect({ address: server.address });
    worker = await createJourneyWorker({
      connection: native, taskQueue,
      activities: createActivities({
        pool, mailer: null, mailFrom: 'milepost@test.local', slackWebhookUrl: null, webhookUrls: {},
        webhookSecret: null, fetch: globalThis.fetch, maxDeliveryAttempts: 1,
      }),
    });
    running = worker.run();
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    return {
      gateway: createJourneyGateway({ client, taskQueue }),
      client,
      async stop() {
        worker!.shutdown();
        await running!.catch(() => {});
        await connection!.close();
        await native!.close();
        await server.stop();
      },
    };
  } catch (err) {
    worker?.shutdown();
    await running?.catch(() => {});
    await connection?.close();
    await native?.close();
    await server.stop();
    throw err;
  }
}

/** Compiles a playbook file of the repository and deploys it; returns its IR. */
export async function deployPlaybookFile(pool: Pool, file: string): Promise<PlaybookIR> {
  const source = await readFile(new URL(`../../../${file}`, import.meta.url), 'utf8');
  const { ir, diagnostics } = compilePlaybook(source, file, { templates: templatesBeside(fileURLToPath(new URL(`../../../${file}`, import.meta.url))) });
  if (ir === undefined) throw new Error(`${file} does not compile: ${diagnostics.map((d) => d.message).join('; ')}`);
  await insertPlaybookVersion(pool, { source, ir, deployedBy: 'test' });
  return ir;
}
