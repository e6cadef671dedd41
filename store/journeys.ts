/**
 * Customers and their journeys: who is enrolled in which playbook, pinned to
 * which version, with the journey's report as of its last wake-up (from the
 * read model it writes, store/journey-progress.ts).
 */
import type { JourneyReport } from '../workflows/engine/types.ts';
import { page, where } from './filters.ts';
import type { Pool, PoolClient } from './pool.ts';
import { withTransaction, type Queryable } from './queryable.ts';

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
  /** The report as of the journey's last wake-up (journey_progress); null before it, or when not asked for (`withReport`). */
  lastReport: JourneyReport | null;
  /** When the journey last stored its progress; null before its first wake-up. */
  reportUpdatedAt: Date | null;
  updatedAt: Date;
  attrs: Record<string, unknown>;
  csm: string | null;
  /** Event types the journey pulls instead of receiving signals (workflows/metric-feed.ts). */
  metricEvents: string[];
}

/** The journeys joined with their customers and progress; the report (tens of KB) only `withReport`. */
function selectJourney(withReport = false): string {
  return `
  SELECT j.workflow_id, j.customer_id, j.playbook, j.playbook_hash, j.contract_start, j.contract_end,
         j.enrolled_at, j.status, ${withReport ? 'p.report' : 'NULL::jsonb'} AS last_report, p.updated_at AS report_updated_at,
         j.updated_at, c.attrs, c.csm, j.metric_events
    FROM journeys j JOIN customers c ON c.id = j.customer_id LEFT JOIN journey_progress p ON p.workflow_id = j.workflow_id`;
}

/** Whether to read each journey's stored report. */
export interface WithReport {
  withReport?: boolean;
}

interface Row {
  workflow_id: string; customer_id: string; playbook: string; playbook_hash: string;
  contract_start: Date; contract_end: Date; enrolled_at: Date; status: string;
  last_report: JourneyReport | null; report_updated_at: Date | null; updated_at: Date; attrs: Record<string, unknown>; csm: string | null;
  metric_events: string[];
}

function toJourney(r: Row): JourneyRow {
  return {
    workflowId: r.workflow_id, customerId: r.customer_id, playbook: r.playbook, playbookHash: r.playbook_hash,
    contractStart: r.contract_start, contractEnd: r.contract_end, enrolledAt: r.enrolled_at, status: r.status,
    lastReport: r.last_report, reportUpdatedAt: r.report_updated_at, updatedAt: r.updated_at, attrs: r.attrs, csm: r.csm, metricEvents: r.metric_events,
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
export async function insertJourney(db: Queryable, journey: NewJourney): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO journeys (workflow_id, customer_id, playbook, playbook_hash, contract_start, contract_end, enrolled_at, metric_events)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`, journeyParams(journey));
  return rowCount === 1;
}

/** What a new journey row holds. */
export interface NewJourney {
  workflowId: string; customerId: string; playbook: string; playbookHash: string;
  contractStart: Date; contractEnd: Date; enrolledAt: Date; metricEvents?: string[];
}

function journeyParams(j: NewJourney): unknown[] {
  return [j.workflowId, j.customerId, j.playbook, j.playbookHash, j.contractStart, j.contractEnd, j.enrolledAt, j.metricEvents ?? []];
}

/**
 * An enrolment's writes in one statement: the customer upserted as
 * {@link upsertCustomer} does, and the journey recorded unless that term
 * (customer, playbook, contract start) is recorded already. `created`: the
 * journey is new; `newCustomer`: the customer was not stored before (so has
 * no stored events). Run it inside {@link withTermsLocked} so that no
 * overlapping term is recorded between the check and the write.
 */
export async function recordEnrolment(db: Queryable, customer: { id: string; attrs: Record<string, unknown> }, journey: NewJourney): Promise<{ created: boolean; newCustomer: boolean }> {
  const csm = typeof customer.attrs.csm === 'string' ? customer.attrs.csm : null;
  const { rows } = await db.query<{ created: boolean; new_customer: boolean }>(
    `WITH c AS (
       INSERT INTO customers (id, attrs, csm) VALUES ($2, $9, $10)
       ON CONFLICT (id) DO UPDATE SET attrs = customers.attrs || EXCLUDED.attrs, csm = coalesce(EXCLUDED.csm, customers.csm)
       RETURNING (xmax = 0) AS inserted
     ), j AS (
       INSERT INTO journeys (workflow_id, customer_id, playbook, playbook_hash, contract_start, contract_end, enrolled_at, metric_events)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM c
       ON CONFLICT DO NOTHING RETURNING 1
     )
     SELECT EXISTS (SELECT 1 FROM j) AS created, (SELECT inserted FROM c) AS new_customer`,
    [...journeyParams(journey), JSON.stringify(customer.attrs), csm]);
  return { created: rows[0]?.created === true, newCustomer: rows[0]?.new_customer === true };
}

/**
 * Runs `work` in a transaction holding a lock on the customer's terms of
 * `playbook`, with those terms (earliest first) as they stand under the lock:
 * what `work` decides from them (a new term must not overlap one) still
 * holds when it writes. Two enrolments of the same customer and playbook
 * take turns; others do not wait.
 */
export async function withTermsLocked<T>(pool: Pool, customerId: string, playbook: string, work: (db: PoolClient, terms: JourneyRow[]) => Promise<T>): Promise<T> {
  return withTransaction(pool, async (db) => {
    await db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`journey-terms:${playbook}:${customerId}`]);
    return work(db, await findTerms(db, customerId, playbook));
  });
}

/** The customer's terms (journeys) of `playbook`, earliest contract start first. */
export async function findTerms(db: Queryable, customerId: string, playbook: string, options: WithReport = {}): Promise<JourneyRow[]> {
  const { rows } = await db.query<Row>(
    `${selectJourney(options.withReport)} WHERE j.customer_id = $1 AND j.playbook = $2 ORDER BY j.contract_start`, [customerId, playbook]);
  return rows.map(toJourney);
}

/** Which of a customer's terms of a playbook {@link findJourney} reads. */
export interface TermChoice extends WithReport {
  /** The term starting at this instant (epoch ms), and no other. */
  term?: number;
  /** The term current at this instant (epoch ms): the latest started by then, else the first to start. Default: the latest term. */
  at?: number;
}

/** The customer's journey (term) of `playbook` that `choice` names, or null. */
export async function findJourney(db: Queryable, customerId: string, playbook: string, choice: TermChoice = {}): Promise<JourneyRow | null> {
  const params: unknown[] = [customerId, playbook];
  const param = (value: unknown) => `$${params.push(value)}`;
  const term = choice.term === undefined ? '' : ` AND j.contract_start = ${param(new Date(choice.term))}`;
  let order = 'j.contract_start DESC';
  if (choice.at !== undefined) {
    // Started terms first, the nearest start first: the latest started, else the next to start.
    const at = param(new Date(choice.at));
    order = `(j.contract_start <= ${at}) DESC, abs(extract(epoch FROM j.contract_start - ${at}))`;
  }
  const { rows } = await db.query<Row>(
    `${selectJourney(choice.withReport)} WHERE j.customer_id = $1 AND j.playbook = $2${term} ORDER BY ${order} LIMIT 1`, params);
  return rows[0] === undefined ? null : toJourney(rows[0]);
}

/** Every journey of these customers. */
export async function journeysOfCustomers(db: Queryable, customerIds: string[], options: WithReport = {}): Promise<JourneyRow[]> {
  if (customerIds.length === 0) return [];
  const { rows } = await db.query<Row>(`${selectJourney(options.withReport)} WHERE j.customer_id = ANY($1::text[]) ORDER BY j.customer_id, j.playbook, j.contract_start`, [customerIds]);
  return rows.map(toJourney);
}

/** What an event is checked against: a journey and the playbook version it is pinned to. */
export interface JourneyPin {
  workflowId: string;
  playbook: string;
  playbookHash: string;
}

/**
 * SQL: the pins of one customer's journeys (rows `j` of `journeys`, grouped
 * by customer) as one text, null when the customer has none. Equal texts
 * mean the same journeys on the same versions; `POST /events` stores a batch
 * only while its customers' pins still read as they did when it was checked
 * (store/customer-events.ts).
 */
export const CUSTOMER_PINS_SQL = `string_agg(j.workflow_id || ' ' || j.playbook_hash, ',' ORDER BY j.workflow_id)`;

/** Each customer's journey pins and their {@link CUSTOMER_PINS_SQL} text; customers without a journey are absent. */
export async function journeyPinsOfCustomers(db: Queryable, customerIds: string[]): Promise<Map<string, { pins: string; journeys: JourneyPin[] }>> {
  const found = new Map<string, { pins: string; journeys: JourneyPin[] }>();
  if (customerIds.length === 0) return found;
  const { rows } = await db.query<{ customer_id: string; pins: string; journeys: JourneyPin[] }>(
    `SELECT j.customer_id, ${CUSTOMER_PINS_SQL} AS pins,
            json_agg(json_build_object('workflowId', j.workflow_id, 'playbook', j.playbook, 'playbookHash', j.playbook_hash) ORDER BY j.workflow_id) AS journeys
       FROM journeys j WHERE j.customer_id = ANY($1::text[]) GROUP BY j.customer_id`, [customerIds]);
  for (const row of rows) found.set(row.customer_id, { pins: row.pins, journeys: row.journeys });
  return found;
}

/** Filters for {@link listJourneys}; each is optional. */
export interface JourneyFilter extends WithReport {
  playbook?: string;
  status?: string;
  csm?: string;
  customerId?: string;
  limit?: number;
  offset?: number;
}

/** Journeys matching `filter`, ordered by customer then playbook. */
export async function listJourneys(db: Queryable, filter: JourneyFilter = {}): Promise<JourneyRow[]> {
  const w = where()
    .add('j.playbook = ?', filter.playbook).add('j.status = ?', filter.status)
    .add('c.csm = ?', filter.csm).add('j.customer_id = ?', filter.customerId);
  const { rows } = await db.query<Row>(
    `${selectJourney(filter.withReport)}${w.sql()} ORDER BY j.customer_id, j.playbook, j.contract_start${page(w, filter)}`, w.params);
  return rows.map(toJourney);
}

/** A customer as stored, or null. */
export async function findCustomer(db: Queryable, customerId: string): Promise<{ id: string; attrs: Record<string, unknown>; csm: string | null } | null> {
  const { rows } = await db.query<{ id: string; attrs: Record<string, unknown>; csm: string | null }>('SELECT id, attrs, csm FROM customers WHERE id = $1', [customerId]);
  return rows[0] ?? null;
}
