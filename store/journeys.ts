/**
 * Customers and their journeys: who is enrolled in which playbook, pinned to
 * which version, and the journey's last known report (the dashboard's read
 * model).
 */
import type { JourneyReport } from '../workflows/engine/types.ts';
import type { Pool, PoolClient } from './pool.ts';

type Queryable = Pool | PoolClient;

/** One row of `journeys`, joined with its customer. */
export interface JourneyRow {
  workflowId: string;
  customerId: string;
  playbook: string;
  playbookHash: string;
  contractStart: Date;
  contractEnd: Date;
  enrolledAt: Date;
  status: string;
  lastReport: JourneyReport | null;
  updatedAt: Date;
  attrs: Record<string, unknown>;
  csm: string | null;
  /** Event types the journey pulls instead of receiving signals (workflows/metric-feed.ts). */
  metricEvents: string[];
}

const SELECT_JOURNEY = `
  SELECT j.workflow_id, j.customer_id, j.playbook, j.playbook_hash, j.contract_start, j.contract_end,
         j.enrolled_at, j.status, j.last_report, j.updated_at, c.attrs, c.csm, j.metric_events
    FROM journeys j JOIN customers c ON c.id = j.customer_id`;

interface Row {
  workflow_id: string; customer_id: string; playbook: string; playbook_hash: string;
  contract_start: Date; contract_end: Date; enrolled_at: Date; status: string;
  last_report: JourneyReport | null; updated_at: Date; attrs: Record<string, unknown>; csm: string | null;
  metric_events: string[];
}

function toJourney(r: Row): JourneyRow {
  return {
    workflowId: r.workflow_id, customerId: r.customer_id, playbook: r.playbook, playbookHash: r.playbook_hash,
    contractStart: r.contract_start, contractEnd: r.contract_end, enrolledAt: r.enrolled_at, status: r.status,
    lastReport: r.last_report, updatedAt: r.updated_at, attrs: r.attrs, csm: r.csm, metricEvents: r.metric_events,
  };
}

/**
 * Creates or updates a customer. Attributes merge: a customer enrolled in a
 * second playbook keeps the attributes the first one declared.
 */
export async function upsertCustomer(db: Queryable, customer: { id: string; attrs: Record<string, unknown> }): Promise<void> {
  const csm = typeof customer.attrs.csm === 'string' ? customer.attrs.csm : null;
  await db.query(
    `INSERT INTO customers (id, attrs, csm) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET attrs = customers.attrs || EXCLUDED.attrs, csm = coalesce(EXCLUDED.csm, customers.csm)`,
    [customer.id, JSON.stringify(customer.attrs), csm]);
}

/** Records a journey; returns false when the customer already has one for that playbook. */
export async function insertJourney(db: Queryable, journey: {
  workflowId: string; customerId: string; playbook: string; playbookHash: string;
  contractStart: Date; contractEnd: Date; enrolledAt: Date; metricEvents?: string[];
}): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO journeys (workflow_id, customer_id, playbook, playbook_hash, contract_start, contract_end, enrolled_at, metric_events)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [journey.workflowId, journey.customerId, journey.playbook, journey.playbookHash,
      journey.contractStart, journey.contractEnd, journey.enrolledAt, journey.metricEvents ?? []]);
  return rowCount === 1;
}

/** The customer's journey of `playbook`, or null. */
export async function findJourney(db: Queryable, customerId: string, playbook: string): Promise<JourneyRow | null> {
  const { rows } = await db.query<Row>(`${SELECT_JOURNEY} WHERE j.customer_id = $1 AND j.playbook = $2`, [customerId, playbook]);
  return rows[0] === undefined ? null : toJourney(rows[0]);
}

/** Every journey of these customers. */
export async function journeysOfCustomers(db: Queryable, customerIds: string[]): Promise<JourneyRow[]> {
  if (customerIds.length === 0) return [];
  const { rows } = await db.query<Row>(`${SELECT_JOURNEY} WHERE j.customer_id = ANY($1::text[]) ORDER BY j.customer_id, j.playbook`, [customerIds]);
  return rows.map(toJourney);
}

/** Filters for {@link listJourneys}; each is optional. */
export interface JourneyFilter {
  playbook?: string;
  status?: string;
  csm?: string;
  customerId?: string;
  limit?: number;
  offset?: number;
}

/** Journeys matching `filter`, ordered by customer then playbook. */
export async function listJourneys(db: Queryable, filter: JourneyFilter = {}): Promise<JourneyRow[]> {
  const { rows } = await db.query<Row>(
    `${SELECT_JOURNEY}
      WHERE ($1::text IS NULL OR j.playbook = $1) AND ($2::text IS NULL OR j.status = $2)
        AND ($3::text IS NULL OR c.csm = $3) AND ($4::text IS NULL OR j.customer_id = $4)
      ORDER BY j.customer_id, j.playbook
      LIMIT $5 OFFSET $6`,
    [filter.playbook ?? null, filter.status ?? null, filter.csm ?? null, filter.customerId ?? null,
      filter.limit ?? null, filter.offset ?? 0]);
  return rows.map(toJourney);
}

/** Stores the journey's latest report; its outcome becomes the journey's status. */
export async function saveJourneyReport(db: Queryable, workflowId: string, report: JourneyReport): Promise<void> {
  await db.query(
    `UPDATE journeys SET last_report = $2, status = $3, updated_at = now() WHERE workflow_id = $1`,
    [workflowId, JSON.stringify(report), report.outcome]);
}
