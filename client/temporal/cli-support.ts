/**
 * What the Temporal-facing CLI commands share: argument parsing with usage
 * errors, the client connection from the environment, and configuration
 * errors printed as one line per problem.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Client } from '@temporalio/client';
import { UsageError, type CommandIO } from '../cli/command.ts';
import { ConfigError, temporalConfig } from '../../worker/config.ts';
import { connectClient } from './connect.ts';
import { createJourneyGateway, type JourneyGateway } from './journey-gateway.ts';

/** `parseArgs` that turns its errors into {@link UsageError} (exit 2). */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
}

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
