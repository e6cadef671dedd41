/**
 * Loads the portfolio read model from Postgres: every journey with its
 * customer, its last report (without the action list, which the figures do
 * not need and which is the bulk of a report) and what its pinned playbook
 * says about milestones and risks.
 */
import type { JourneyReport } from '../../workflows/engine/types.ts';
import { pinKey, playbookVersionsByHash } from '../../store/playbooks.ts';
import type { Pool } from '../../store/pool.ts';
import type { MilestoneMeta, PortfolioJourney, RiskMeta } from './figures.ts';

/** Optional narrowing of the portfolio. */
export interface PortfolioFilter {
  playbook?: string;
  csm?: string;
}

/** Every journey of the portfolio (or of one playbook / CSM), ordered by customer. */
export async function loadPortfolio(pool: Pool, filter: PortfolioFilter = {}): Promise<PortfolioJourney[]> {
  const { rows } = await pool.query<{
    customer_id: string; playbook: string; playbook_hash: string; csm: string | null; arr: unknown;
    contract_start: Date; contract_end: Date; report: JourneyReport | null;
  }>(
    `SELECT j.customer_id, j.playbook, j.playbook_hash, c.csm, c.attrs -> 'arr' AS arr,
            j.contract_start, j.contract_end, j.last_report - 'actions' AS report
       FROM journeys j JOIN customers c ON c.id = j.customer_id
      WHERE ($1::text IS NULL OR j.playbook = $1) AND ($2::text IS NULL OR c.csm = $2)
      ORDER BY j.customer_id, j.playbook`,
    [filter.playbook ?? null, filter.csm ?? null]);
  const pins = new Map<string, { playbook: string; hash: string }>();
  for (const row of rows) pins.set(pinKey(row.playbook, row.playbook_hash), { playbook: row.playbook, hash: row.playbook_hash });
  const versions = await playbookVersionsByHash(pool, [...pins.values()]);
  const meta = new Map<string, { milestones: MilestoneMeta[]; risks: RiskMeta[] }>();
  for (const [key, version] of versions) {
    meta.set(key, {
      milestones: version.ir.milestones.map((m) => ({ id: m.id, title: m.title, renewal: m.renewal })),
      risks: version.ir.risks.map((r) => ({ id: r.id, title: r.title, level: r.level })),
    });
  }
  return rows.map((row) => {
    const m = meta.get(pinKey(row.playbook, row.playbook_hash)) ?? { milestones: [], risks: [] };
    return {
      customerId: row.customer_id, playbook: row.playbook, csm: row.csm,
      arr: typeof row.arr === 'number' ? row.arr : null,
      contractStart: row.contract_start.getTime(), contractEnd: row.contract_end.getTime(),
      report: row.report, milestones: m.milestones, risks: m.risks,
    };
  });
}
