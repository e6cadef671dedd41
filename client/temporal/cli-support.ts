/**
 * What the Temporal-facing CLI commands share: the client connection from
 * the environment, and configuration errors printed as one line per problem.
 */
import type { Client } from '@temporalio/client';
import type { CommandIO } from '../cli/command.ts';
import { ConfigError, temporalConfig } from '../../worker/config.ts';
import { connectClient } from './connect.ts';
import { createJourneyGateway, type JourneyGateway } from './journey-gateway.ts';

/**
 * Runs `body` with a journey gateway connected per the environment
 * (TEMPORAL_ADDRESS, ...). A bad configuration prints its problems and exits 2.
 */
export async function withGateway(io: CommandIO, command: string, body: (gateway: JourneyGateway, client: Client) => Promise<number>): Promise<number> {
  let config;
  try {
    config = temporalConfig(io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`milepost ${command}: invalid configuration:\n${indent(err.message)}\n`);
    return 2;
  }
  let connection;
  try {
    connection = await connectClient(config);
  } catch (err) {
    io.stderr.write(`milepost ${command}: cannot reach Temporal at ${config.address}: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    return await body(createJourneyGateway({ client: connection.client, taskQueue: config.taskQueue, searchAttributes: config.searchAttributes }), connection.client);
  } finally {
    await connection.close();
  }
}

export function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}
