/**
 * A Temporal client for Milepost's client side (CLI commands, API), from the
 * same environment settings as the worker (worker/config.ts).
 */
import { Client, Connection } from '@temporalio/client';
import type { TemporalConfig } from '../../worker/config.ts';

/** Connects a client; `close()` ends the connection. */
export async function connectClient(config: TemporalConfig): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({
    address: config.address,
    ...(config.tls ? { tls: config.tls } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  });
  return { client: new Client({ connection, namespace: config.namespace }), close: () => connection.close() };
}
