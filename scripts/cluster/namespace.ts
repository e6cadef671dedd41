/**
 * Milepost's namespace and its five search attributes on the cluster, with
 * the Temporal CLI, as an operator would on a real cluster (`temporal
 * operator namespace create`, `temporal operator search-attribute create`).
 * Idempotent: what exists is kept.
 */
import { spawnSync } from 'node:child_process';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../workflows/search-attributes.ts';
import { temporalCliPath } from '../temporal/binaries.ts';

export interface NamespaceOptions {
  address: string;
  namespace: string;
  /** How long closed workflows stay in the history store. */
  retention: string;
}

/** Creates the namespace (when missing) and registers the missing search attributes; returns what it did. */
export async function ensureNamespace(options: NamespaceOptions, timeoutMs = 120_000): Promise<string[]> {
  const cli = temporalCliPath();
  const base = ['--address', options.address, '--namespace', options.namespace];
  const run = (args: string[]) => spawnSync(cli, args, { encoding: 'utf8', timeout: 30_000 });
  const lines: string[] = [];
  const deadline = Date.now() + timeoutMs;
  // Just after start the frontend may answer before history owns its shards;
  // both commands are retried until the cluster takes them.
  const retry = async (what: string, attempt: () => string | null) => {
    for (;;) {
      const failure = attempt();
      if (failure === null) return;
      if (Date.now() > deadline) throw new Error(`${what}: ${failure}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  await retry(`namespace ${options.namespace}`, () => {
    const described = run(['operator', 'namespace', 'describe', ...base, '-o', 'json']);
    if (described.status === 0) return null;
    const created = run(['operator', 'namespace', 'create', ...base, '--retention', options.retention]);
    if (created.status === 0) {
      lines.push(`namespace ${options.namespace} created (retention ${options.retention})`);
      return null;
    }
    return (created.stderr || created.stdout).trim();
  });
  // One attribute per call, each checked by listing before the next: on SQL
  // visibility the attributes are a mapping kept on the namespace, and two
  // updates close together can overwrite each other (seen: one of five lost).
  const registered = async () => {
    let names: string[] = [];
    await retry('search attributes', () => {
      const listed = run(['operator', 'search-attribute', 'list', ...base, '-o', 'json']);
      if (listed.status !== 0) return (listed.stderr || listed.stdout).trim();
      names = Object.keys(customAttributes(listed.stdout));
      return null;
    });
    return new Set(names);
  };
  let existing = await registered();
  const created: string[] = [];
  const names = SEARCH_ATTRIBUTE_REGISTRATIONS.map((r) => r.split('=')[0]!);
  // Until all are listed at once: a later create must not have lost an earlier one.
  while (!names.every((n) => existing.has(n))) {
    for (const registration of SEARCH_ATTRIBUTE_REGISTRATIONS) {
      const [name, type] = registration.split('=') as [string, string];
      while (!existing.has(name)) {
        const attempt = run(['operator', 'search-attribute', 'create', ...base, '--name', name, '--type', type]);
        if (attempt.status !== 0 && Date.now() > deadline) throw new Error(`search attribute ${name}: ${(attempt.stderr || attempt.stdout).trim()}`);
        if (attempt.status !== 0) await new Promise((r) => setTimeout(r, 1000));
        else if (!created.includes(name)) created.push(name);
        existing = await registered();
        if (Date.now() > deadline && !existing.has(name)) throw new Error(`search attribute ${name} was created but is not listed`);
      }
    }
    existing = await registered();
  }
  lines.push(created.length > 0
    ? `search attributes registered: ${created.join(', ')} (all ${SEARCH_ATTRIBUTE_REGISTRATIONS.length} listed)`
    : `namespace ${options.namespace} and its ${SEARCH_ATTRIBUTE_REGISTRATIONS.length} search attributes: already there`);
  return lines;
}

/** `search-attribute list -o json` prints `{ customAttributes: { Name: "INDEXED_VALUE_TYPE_KEYWORD" ... } }` (or a list of rows). */
function customAttributes(json: string): Record<string, unknown> {
  const parsed = JSON.parse(json) as unknown;
  if (Array.isArray(parsed)) return Object.fromEntries(parsed.map((row: { name?: string }) => [row.name ?? '', true]));
  const object = parsed as { customAttributes?: Record<string, unknown> };
  return object.customAttributes ?? {};
}
