/**
 * The portfolio grid: customers × milestones per playbook, each cell the
 * milestone's state now (see {@link effectiveState}). Columns are the
 * milestone instances in the order the reports list them (declaration order,
 * repeat instances in sequence).
 */
import { cohortOf, type PortfolioJourney } from '../read-model/figures.ts';
import type { GridRow } from './tables.ts';

/** One playbook's grid. */
export interface PlaybookGrid {
  playbook: string;
  columns: string[];
  /** Milestone titles by column (instances share their milestone's title). */
  titles: string[];
  rows: GridRow[];
}

/** Builds one grid per playbook, playbooks in name order, rows in the journeys' order. */
export function portfolioGrids(journeys: PortfolioJourney[], now: number): PlaybookGrid[] {
  const byPlaybook = new Map<string, PortfolioJourney[]>();
  for (const journey of journeys) {
    const list = byPlaybook.get(journey.playbook) ?? [];
    list.push(journey);
    byPlaybook.set(journey.playbook, list);
  }
  return [...byPlaybook.keys()].sort().map((playbook) => {
    const members = byPlaybook.get(playbook)!;
    const columns: string[] = [];
    const seen = new Set<string>();
    // Declared milestones first (so never-reported ones still get a column), then instances.
    for (const journey of members) {
      for (const m of journey.report?.milestones ?? []) if (!seen.has(m.id)) { seen.add(m.id); columns.push(m.id); }
    }
    if (columns.length === 0) for (const m of members[0]?.milestones ?? []) columns.push(m.id);
    const index = new Map(columns.map((c, i) => [c, i]));
    const titleOf = new Map((members[0]?.milestones ?? []).map((m) => [m.id, m.title]));
    const rows = members.map((journey): GridRow => {
      const states: GridRow['states'] = columns.map(() => null);
      for (const m of journey.report?.milestones ?? []) states[index.get(m.id)!] = m.state;
      return {
        customerId: journey.customerId, playbook, csm: journey.csm, cohort: cohortOf(journey.contractStart),
        outcome: journey.report?.outcome ?? 'running', states,
      };
    });
    return { playbook, columns, titles: columns.map((c) => titleOf.get(c.split('#')[0]!) ?? c), rows };
  });
}
