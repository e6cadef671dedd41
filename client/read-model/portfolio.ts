/**
 * Loads the portfolio read model: every journey (term) with its customer,
 * its report as of its last wake-up (without the action list, which the
 * figures do not need and which is the bulk of a report) as the journey
 * wrote it (store/journey-progress.ts), and what its pinned playbook says
 * about milestones, risks and opportunities.
 */
import { pinKey, playbookVersionsByHash } from '../../store/playbooks.ts';
import { portfolioRows, type PortfolioFilter } from '../../store/journey-progress.ts';
import type { Queryable } from '../../store/queryable.ts';
import type { MilestoneMeta, PortfolioJourney, RiskMeta } from './figures.ts';

export type { PortfolioFilter } from '../../store/journey-progress.ts';

/** Every journey of the portfolio (or of one playbook / CSM / customer), ordered by customer. */
export async function loadPortfolio(db: Queryable, filter: PortfolioFilter = {}): Promise<PortfolioJourney[]> {
  const rows = await portfolioRows(db, filter);
  const pins = new Map<string, { playbook: string; hash: string }>();
  for (const row of rows) pins.set(pinKey(row.playbook, row.playbookHash), { playbook: row.playbook, hash: row.playbookHash });
  const versions = await playbookVersionsByHash(db, [...pins.values()]);
  const meta = new Map<string, { milestones: MilestoneMeta[]; risks: RiskMeta[] }>();
  for (const [key, version] of versions) {
    meta.set(key, {
      milestones: version.ir.milestones.map((m) => ({ id: m.id, title: m.title, renewal: m.renewal })),
      risks: [...version.ir.risks, ...(version.ir.opportunities ?? [])].map((r) => ({ id: r.id, title: r.title, level: r.level })),
    });
  }
  return rows.map((row) => {
    const m = meta.get(pinKey(row.playbook, row.playbookHash)) ?? { milestones: [], risks: [] };
    return {
      workflowId: row.workflowId, customerId: row.customerId, playbook: row.playbook, csm: row.csm,
      arr: typeof row.arr === 'number' ? row.arr : null,
      contractStart: row.contractStart.getTime(), contractEnd: row.contractEnd.getTime(),
      report: row.report, asOf: row.at?.getTime() ?? null, health: row.health, nextWakeAt: row.nextWakeAt?.getTime() ?? null,
      milestones: m.milestones, risks: m.risks,
    };
  });
}
