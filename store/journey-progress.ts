/**
 * The read model the journeys write: one `journey_progress` row per journey
 * (its report as of its last wake-up, health, next wake) and a bounded daily
 * health history (`journey_health`), both written by the journey's
 * recordInstant activity in the transaction of its ledger rows. The
 * dashboard, the API and the CLI read them through client/read-model/.
 */
import type { InstantProgress } from '../activities/types.ts';
import type { JourneyReport } from '../workflows/engine/types.ts';
import { where } from './filters.ts';
import type { Queryable } from './queryable.ts';

/** Days of health history kept per journey (the dashboard charts 90). */
export const HEALTH_DAYS_KEPT = 100;

const DAY_MS = 86_400_000;

/**
 * Stores the journey's progress unless a newer instant is already stored (a
 * retried activity of an older wake-up never overwrites a newer one); the
 * journey's status follows the report's outcome. Returns whether it was stored.
 */
export async function writeJourneyProgress(db: Queryable, journeyId: string, progress: InstantProgress): Promise<boolean> {
  const { rows } = await db.query<{ stored: boolean }>(
    `WITH stored AS (
       INSERT INTO journey_progress (workflow_id, at, outcome, report, health, health_components, next_wake_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (workflow_id) DO UPDATE SET
         at = EXCLUDED.at, outcome = EXCLUDED.outcome, report = EXCLUDED.report, health = EXCLUDED.health,
         health_components = EXCLUDED.health_components, next_wake_at = EXCLUDED.next_wake_at, updated_at = now()
       WHERE journey_progress.at <= EXCLUDED.at
       RETURNING 1
     ), status AS (
       UPDATE journeys SET status = $3, updated_at = now()
        WHERE workflow_id = $1 AND status IS DISTINCT FROM $3 AND EXISTS (SELECT 1 FROM stored)
     )
     SELECT EXISTS (SELECT 1 FROM stored) AS stored`,
    [journeyId, new Date(progress.at), progress.report.outcome, JSON.stringify(progress.report),
      progress.health?.value ?? null, progress.health === null ? null : JSON.stringify(progress.health.components),
      progress.nextWakeAt === null ? null : new Date(progress.nextWakeAt)]);
  const stored = rows[0]?.stored === true;
  if (stored && progress.health !== null && progress.health.value !== null) await writeHealthDay(db, journeyId, progress.at, progress.health.value);
  return stored;
}

/**
 * Records the journey's health for the domain day of `at`; the days since
 * its previous row carry that row's value (the journey did not wake, so its
 * health did not change), and rows older than {@link HEALTH_DAYS_KEPT} days go.
 */
async function writeHealthDay(db: Queryable, journeyId: string, at: number, health: number): Promise<void> {
  const day = new Date(Math.floor(at / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  await db.query(
    `WITH prev AS (
       SELECT day, health FROM journey_health WHERE workflow_id = $1 AND day < $2::date ORDER BY day DESC LIMIT 1
     ), pruned AS (
       DELETE FROM journey_health WHERE workflow_id = $1 AND day < $2::date - $4::int
     )
     INSERT INTO journey_health (workflow_id, day, health)
     SELECT $1, d::date, prev.health FROM prev, generate_series(greatest(prev.day + 1, $2::date - $4::int), $2::date - 1, interval '1 day') AS d
     UNION ALL SELECT $1, $2::date, $3
     ON CONFLICT (workflow_id, day) DO UPDATE SET health = EXCLUDED.health`,
    [journeyId, day, health, HEALTH_DAYS_KEPT]);
}

/** One journey of the portfolio as stored: the journey, its customer and its progress (null before its first wake-up). */
export interface PortfolioRow {
  workflowId: string;
  customerId: string;
  playbook: string;
  playbookHash: string;
  csm: string | null;
  arr: unknown;
  contractStart: Date;
  contractEnd: Date;
  /** The report without its action list (the bulk of a report, which no figure reads). */
  report: Omit<JourneyReport, 'actions'> | null;
  at: Date | null;
  health: number | null;
  healthComponents: Record<string, number | null> | null;
  nextWakeAt: Date | null;
}

/** Narrowing of the portfolio. */
export interface PortfolioFilter {
  playbook?: string;
  csm?: string;
  customerId?: string;
}

/** Every journey of the portfolio (or of one playbook / CSM / customer), ordered by customer, playbook, term. */
export async function portfolioRows(db: Queryable, filter: PortfolioFilter = {}): Promise<PortfolioRow[]> {
  const w = where().add('j.playbook = ?', filter.playbook).add('c.csm = ?', filter.csm).add('j.customer_id = ?', filter.customerId);
  const { rows } = await db.query<{
    workflow_id: string; customer_id: string; playbook: string; playbook_hash: string; csm: string | null; arr: unknown;
    contract_start: Date; contract_end: Date; report: PortfolioRow['report']; at: Date | null; health: number | null;
    health_components: Record<string, number | null> | null; next_wake_at: Date | null;
  }>(
    `SELECT j.workflow_id, j.customer_id, j.playbook, j.playbook_hash, c.csm, c.attrs -> 'arr' AS arr, j.contract_start, j.contract_end,
            p.report - 'actions' AS report, p.at, p.health, p.health_components, p.next_wake_at
       FROM journeys j JOIN customers c ON c.id = j.customer_id LEFT JOIN journey_progress p ON p.workflow_id = j.workflow_id
      ${w.sql()}
      ORDER BY j.customer_id, j.playbook, j.contract_start`, w.params);
  return rows.map((r) => ({
    workflowId: r.workflow_id, customerId: r.customer_id, playbook: r.playbook, playbookHash: r.playbook_hash, csm: r.csm, arr: r.arr,
    contractStart: r.contract_start, contractEnd: r.contract_end, report: r.report, at: r.at, health: r.health,
    healthComponents: r.health_components, nextWakeAt: r.next_wake_at,
  }));
}

/** One day of the portfolio's health trend. */
export interface HealthDay {
  /** `YYYY-MM-DD` (UTC, domain time). */
  day: string;
  /** Mean health of the journeys with a value that day. */
  mean: number;
  journeys: number;
}

/** The mean health per day over the `days` days up to `until` (epoch ms), of one playbook / CSM or all. */
export async function healthTrend(db: Queryable, until: number, days: number, filter: Omit<PortfolioFilter, 'customerId'> = {}): Promise<HealthDay[]> {
  const last = new Date(Math.floor(until / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  const params: unknown[] = [last, days];
  const terms: string[] = [];
  if (filter.playbook !== undefined) { params.push(filter.playbook); terms.push(`j.playbook = $${params.length}`); }
  if (filter.csm !== undefined) { params.push(filter.csm); terms.push(`c.csm = $${params.length}`); }
  const join = terms.length === 0 ? '' : `JOIN journeys j ON j.workflow_id = h.workflow_id JOIN customers c ON c.id = j.customer_id`;
  const { rows } = await db.query<{ day: string; mean: number; journeys: number }>(
    `SELECT to_char(h.day, 'YYYY-MM-DD') AS day, avg(h.health)::float8 AS mean, count(*)::int AS journeys
       FROM journey_health h ${join}
      WHERE h.day > $1::date - $2::int AND h.day <= $1::date${terms.map((t) => ` AND ${t}`).join('')}
      GROUP BY h.day ORDER BY h.day`, params);
  return rows;
}
