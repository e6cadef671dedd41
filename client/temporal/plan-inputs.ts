/**
 * Reads what `milepost plan` and `milepost deploy` compare: the deployed
 * version, the running journeys of the playbook with the actions they have
 * fired (from the ledger), and, for a migration, a customer's stored events.
 */
import type { PlaybookIR } from '../../dsl/ir/schema.ts';
import { listJourneys, type JourneyRow } from '../../store/journeys.ts';
import { latestPlaybookVersion, pinKey, playbookVersionsByHash, type PlaybookVersion } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';
import { readEvent } from '../../workflows/engine/index.ts';
import type { JourneyEvent } from '../../workflows/engine/types.ts';
import { diffPlaybooks, journeyImpacts, type Plan, type PlannedJourney } from './playbook-plan.ts';

/** The plan for deploying `next`, with the running journeys it would touch. */
export async function planDeploy(pool: Pool, next: PlaybookIR): Promise<{ plan: Plan; deployed: PlaybookVersion | null; running: JourneyRow[] }> {
  const deployed = await latestPlaybookVersion(pool, next.playbook);
  const running = await listJourneys(pool, { playbook: next.playbook, status: 'running' });
  const { rows } = await pool.query<{ journey_id: string; subject: string }>(
    `SELECT journey_id, subject FROM milestone_ledger WHERE playbook = $1 AND kind = 'action'`, [next.playbook]);
  const fired = new Map<string, string[]>();
  for (const r of rows) fired.set(r.journey_id, [...(fired.get(r.journey_id) ?? []), r.subject]);
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

/** A customer's stored events the new version declares, in arrival order. */
export async function storedEvents(pool: Pool, ir: PlaybookIR, customerId: string): Promise<JourneyEvent[]> {
  const { rows } = await pool.query<{ event_id: string; type: string; at: Date; data: unknown }>(
    'SELECT event_id, type, at, data FROM customer_events WHERE customer_id = $1 ORDER BY received_at, event_id', [customerId]);
  const events: JourneyEvent[] = [];
  for (const r of rows) {
    if (!Object.hasOwn(ir.events, r.type)) continue;
    const { event } = readEvent(ir, { id: r.event_id, type: r.type, at: r.at.toISOString(), data: r.data }, 'json');
    if (event) events.push(event);
  }
  return events;
}
