/**
 * Milepost's search attributes answered by the cluster's visibility store
 * (Postgres, `temporal_visibility`): a clinic whose renewal is overdue is
 * found by `MilepostOverdueMilestones = 'renewal'`, one whose renewal is not
 * yet open is not; both are found by playbook and customer.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { temporalCliPath } from '../../scripts/temporal/binaries.ts';
import { clinicIds, enrolClinics } from './support/complaint-load.ts';
import { startMilepostStack, type MilepostStack } from './support/milepost-stack.ts';

const DAY = 86_400_000;
let stack: MilepostStack;

beforeAll(async () => {
  stack = await startMilepostStack('search', { workers: 1, playbooks: ['playbooks/clinic-first-year.yaml'] });
});
afterAll(async () => {
  await stack?.stop();
});

/** `temporal workflow list --query` against the cluster: the workflow ids it returns. */
function list(query: string): string[] {
  const listed = spawnSync(temporalCliPath(), ['workflow', 'list', '--address', stack.cluster.address, '--namespace', stack.cluster.namespace, '--query', query, '-o', 'json'], { encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`temporal workflow list --query "${query}": ${listed.stderr}`);
  const rows = listed.stdout.trim() === '' ? [] : (JSON.parse(listed.stdout) as Array<{ execution?: { workflowId?: string } }>);
  return rows.map((row) => row.execution?.workflowId ?? '').sort();
}

async function eventually(query: string, expected: string[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  let found = list(query);
  while (JSON.stringify(found) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    found = list(query);
  }
  expect(found, query).toEqual(expected);
}

it("finds the journey whose renewal is overdue with MilepostOverdueMilestones = 'renewal'", async () => {
  // Renewal due two weeks before the contract ends: a contract ending in 7 days has it overdue.
  const [lateId] = clinicIds('search-late', 1) as [string];
  const [earlyId] = clinicIds('search-early', 1) as [string];
  await enrolClinics(stack, [lateId], { contractStart: Date.now() + 7 * DAY - 365 * DAY });
  await enrolClinics(stack, [earlyId]);
  const late = `journey:clinic-first-year:${lateId}`;
  const early = `journey:clinic-first-year:${earlyId}`;
  // This run's journeys only (a reused cluster keeps earlier runs' journeys).
  await eventually(`MilepostOverdueMilestones = 'renewal' AND MilepostCustomer IN ('${earlyId}', '${lateId}')`, [late]);
  await eventually(`MilepostPlaybook = 'clinic-first-year' AND MilepostCustomer = '${earlyId}'`, [early]);
  await eventually(`MilepostCustomer IN ('${earlyId}', '${lateId}') AND ExecutionStatus = 'Running'`, [early, late].sort());
  console.log(`[cluster] search attributes: MilepostOverdueMilestones = 'renewal' -> ${late} only, from the cluster's visibility store`);
});
