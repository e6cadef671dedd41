/**
 * The worker's configuration from the environment: defaults, Temporal Cloud
 * settings, and one clear line per problem.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, metricFeedConfig, workerConfig } from '../../worker/config.ts';

const minimal = { DATABASE_URL: 'postgres://u:p@db:5432/milepost' };

describe('workerConfig', () => {
  it('fills in the defaults of a local setup', () => {
    const config = workerConfig(minimal);
    expect(config.temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'milepost-journeys', tls: undefined, apiKey: undefined, searchAttributes: false });
    expect(config).toMatchObject({ smtpUrl: undefined, webhookUrls: {}, webhookSecret: undefined, maxDeliveryAttempts: 5 });
  });

  it('reads Temporal Cloud and delivery settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'milepost-tls-'));
    writeFileSync(join(dir, 'client.pem'), 'CERT');
    writeFileSync(join(dir, 'client.key'), 'KEY');
    const config = workerConfig({
      ...minimal, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_TLS_CERT: join(dir, 'client.pem'), TEMPORAL_TLS_KEY: join(dir, 'client.key'),
      SMTP_URL: 'smtps://u:p@mail:465', MILEPOST_WEBHOOK_URLS: 'crm=https://crm.example.com/h, reminders=http://10.0.0.5/r',
      MILEPOST_WEBHOOK_SECRET: '0123456789abcdef', MILEPOST_MAX_DELIVERY_ATTEMPTS: '8', MILEPOST_SEARCH_ATTRIBUTES: '1',
    });
    expect(config.temporal.tls?.clientCertPair?.crt.toString()).toBe('CERT');
    expect(config.temporal.searchAttributes).toBe(true);
    expect(config.webhookUrls).toEqual({ crm: 'https://crm.example.com/h', reminders: 'http://10.0.0.5/r' });
    expect(config.maxDeliveryAttempts).toBe(8);
    expect(workerConfig({ ...minimal, TEMPORAL_API_KEY: 'key' }).temporal.tls).toEqual({});
  });

  it('names every problem, one per line', () => {
    let message = '';
    try {
      workerConfig({
        TEMPORAL_ADDRESS: 'localhost', TEMPORAL_TLS_CERT: '/x.pem', SMTP_URL: 'http://mail', MILEPOST_WEBHOOK_SECRET: 'short',
        MILEPOST_WEBHOOK_URLS: 'crm', MILEPOST_MAX_DELIVERY_ATTEMPTS: 'many',
      });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message.split('\n').sort()).toEqual([
      'DATABASE_URL: required: a Postgres URL (postgres: or postgresql://...)',
      'MILEPOST_MAX_DELIVERY_ATTEMPTS: must be a whole number from 1 to 50',
      "MILEPOST_WEBHOOK_SECRET: must be at least 16 characters",
      "MILEPOST_WEBHOOK_URLS: 'crm' is not name=http(s)://url",
      'SMTP_URL: must be a SMTP URL (smtp: or smtps:)',
      'TEMPORAL_ADDRESS: must be host:port',
      'TEMPORAL_TLS_KEY: set both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, or neither',
    ]);
  });
});

describe('metricFeedConfig', () => {
  it('is off unless event types are listed, and pulls daily by default', () => {
    expect(metricFeedConfig({})).toBeUndefined();
    expect(metricFeedConfig({ MILEPOST_METRIC_EVENTS: ' usage, usage ,logins ' })).toEqual({ types: ['usage', 'logins'], pullEveryMs: 86_400_000 });
    expect(metricFeedConfig({ MILEPOST_METRIC_EVENTS: 'usage', MILEPOST_METRIC_PULL_HOURS: '0.5' })).toEqual({ types: ['usage'], pullEveryMs: 1_800_000 });
  });

  it('names the variable and what it expects', () => {
    expect(() => metricFeedConfig({ MILEPOST_METRIC_EVENTS: 'usage;logins' })).toThrow(/MILEPOST_METRIC_EVENTS: 'usage;logins' is not an event type name/);
    expect(() => metricFeedConfig({ MILEPOST_METRIC_EVENTS: 'usage', MILEPOST_METRIC_PULL_HOURS: '0' })).toThrow(ConfigError);
    expect(() => metricFeedConfig({ MILEPOST_METRIC_EVENTS: 'usage', MILEPOST_METRIC_PULL_HOURS: 'daily' })).toThrow(/MILEPOST_METRIC_PULL_HOURS: must be a number of hours/);
  });
});
