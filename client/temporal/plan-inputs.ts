/**
 * Reads what `milepost plan` and `milepost deploy` compare: the deployed
 * version, the running journeys of the playbook with the actions they have
 * fired (from the ledger). Every query is a store/ function.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { listJourneys, type JourneyRow } from '../../store/journeys.ts';
import { firedSourcesByJourney } from '../../store/ledger.ts';
import { latestPlaybookVersion, pinKey, playbookVersionsByHash, type PlaybookVersion } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';
import { diffPlaybooks, journeyImpacts, type Plan, type PlannedJourney } from './playbook-plan.ts';

/** The plan for deploying `next`, with the running journeys it would touch. */
export async function planDeploy(pool: Pool, next: PlaybookIR): Promise<{ plan: Plan; deployed: PlaybookVersion | null; running: JourneyRow[] }> {
  const deployed = await latestPlaybookVersion(pool, next.playbook);
  const running = await listJourneys(pool, { playbook: next.playbook, status: 'running', withReport: true });
  const fired = await firedSourcesByJourney(pool, next.playbook);
  const journeys: PlannedJourney[] = running.map((j) => ({
    customerId: j.customerId, playbookHash: j.playbookHash, report: j.lastReport, firedSources: fired.get(j.workflowId) ?? [],
  }));
  const changes = diffPlaybooks(deployed?.ir ?? null, next);
  // Each journey is compared with the version it is pinned to, which may be
  // older than the deployed one.
  const pins = await playbookVersionsByHash(pool, [...new Set(running.map((j) => j.playbookHash))].map((hash) => ({ playbook: next.playbook, hash })));
  const impacts = journeys.flatMap((j) => {
    const pinned = pins.get(pinKey(next.playbook, j.playbookHash));
    const own = pinned === undefined || pinned.sourceHash === deployed?.sourceHash ? changes : diffPlaybooks(pinned.ir, next);
    return journeyImpacts(own, next, [j]);
  });
  return {
    plan: { playbook: next.playbook, from: deployed ? `v${deployed.version} ${deployed.sourceHash.slice(0, 19)}` : null, to: next.sourceHash.slice(0, 19), changes, journeys: impacts },
    deployed,
    running,
  };
}
