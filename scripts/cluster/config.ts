/**
 * The Temporal server's configuration for the one-machine cluster: its YAML
 * (read by all four services, each of which starts only its own part) and
 * the dynamic config beside it. docs/operations.md ("Rehearsing production:
 * a Temporal cluster on one machine") explains it key by key.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPORAL_DATABASE, VISIBILITY_DATABASE } from './schema.ts';

/** The four services, in the order they are started (and the reverse of stopping). */
export const SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface ServicePorts {
  grpc: number;
  /** Ringpop gossip between the services; must stay below 32768 (the schema's `cluster_membership.rpc_port` is SMALLINT). */
  membership: number;
}

export interface ClusterPorts {
  services: Record<ServiceName, ServicePorts>;
  /** The frontend's HTTP API (and Nexus callbacks). */
  frontendHttp: number;
}

/**
 * Temporal's default layout (frontend 7233, history 7234, matching 7235,
 * worker 7239, HTTP 7243), shifted so that `base` is the frontend, with each
 * membership port 100 above its gRPC port: 17233 gives 17233–17339.
 */
export function clusterPorts(base: number): ClusterPorts {
  const at = (offset: number): ServicePorts => ({ grpc: base + offset, membership: base + offset + 100 });
  const ports: ClusterPorts = { services: { frontend: at(0), history: at(1), matching: at(2), worker: at(6) }, frontendHttp: base + 10 };
  for (const [name, p] of Object.entries(ports.services)) {
    if (p.membership >= 32768) throw new Error(`${name}'s membership port ${p.membership} must be below 32768: choose a lower port base`);
  }
  return ports;
}

export interface ServerConfigInput {
  ports: ClusterPorts;
  postgres: { host: string; port: number; user: string; password: string };
  /** History shards: fixed for the cluster's life (changing it needs a new cluster). */
  historyShards: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Writes `temporal.yaml` and `dynamicconfig.yaml` into `dir`; returns the YAML's path. */
export function writeServerConfig(dir: string, input: ServerConfigInput): string {
  mkdirSync(dir, { recursive: true });
  const dynamic = join(dir, 'dynamicconfig.yaml');
  writeFileSync(dynamic, DYNAMIC_CONFIG);
  const file = join(dir, 'temporal.yaml');
  writeFileSync(file, renderServerConfig(input, dynamic));
  return file;
}

/** The server YAML (JSON strings are valid YAML scalars, so values are quoted with JSON.stringify). */
export function renderServerConfig(input: ServerConfigInput, dynamicConfigFile: string): string {
  const q = JSON.stringify;
  const { postgres: pg, ports } = input;
  const datastore = (database: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: ${q(database)}
        connectAddr: ${q(`${pg.host}:${pg.port}`)}
        connectProtocol: "tcp"
        user: ${q(pg.user)}
        password: ${q(pg.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (name: ServiceName, extra = '') => `  ${name}:
    rpc:
      grpcPort: ${ports.services[name].grpc}
      membershipPort: ${ports.services[name].membership}
      bindOnLocalHost: true${extra}`;
  return `# Written by scripts/cluster (npm run cluster); rewritten at every start.
log:
  stdout: true
  level: ${q(input.logLevel ?? 'warn')}

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${input.historyShards}
  datastores:
    postgres-default:
${datastore(TEMPORAL_DATABASE, 20)}
    postgres-visibility:
${datastore(VISIBILITY_DATABASE, 10)}

global:
  membership:
    maxJoinDuration: "30s"
    broadcastAddress: "127.0.0.1"

services:
${service('frontend', `\n      httpPort: ${ports.frontendHttp}`)}
${service('history')}
${service('matching')}
${service('worker')}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: ${q(`127.0.0.1:${ports.services.frontend.grpc}`)}
      httpAddress: ${q(`127.0.0.1:${ports.frontendHttp}`)}

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: ${q(dynamicConfigFile)}
  pollInterval: "10s"
`;
}

const DYNAMIC_CONFIG = `# Written by scripts/cluster. Runtime knobs of the Temporal server, re-read every 10 s.
# A search attribute registered a moment ago is usable at once (rather than after the
# cache's refresh), so 'npm run cluster' can hand the namespace over as soon as it returns.
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
    constraints: {}
limit.maxIDLength:
  - value: 255
    constraints: {}
`;
