/**
 * Read endpoints: journeys, milestones (per journey, from the read model),
 * the portfolio figures, tasks, the outbox and the milestone ledger. Lists
 * take `limit` (default 100, at most 1000) and `offset`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { PageQuery } from '../query-integer.ts';
import { listJourneys } from '../../../store/journeys.ts';
import { listLedger } from '../../../store/ledger.ts';
import { listOutbox } from '../../../store/outbox.ts';
import { healthTrend } from '../../../store/journey-progress.ts';
import { computeFigures, isBehind } from '../../read-model/figures.ts';
import { loadPortfolio } from '../../read-model/portfolio.ts';
import { describeIssues } from '../bodies.ts';
import type { ApiDeps } from '../deps.ts';

/** The delivery loop's backlog (events stored, not yet delivered). */
function deliveryBacklogOf(app: FastifyInstance) {
  return app.deliveries.backlog();
}

/** Query string of the list endpoints. */
export const ListQuery = z.strictObject({
  customer: z.string().max(200).optional(),
  playbook: z.string().max(200).optional(),
  status: z.string().max(50).optional(),
  csm: z.string().max(200).optional(),
  ...PageQuery,
});
type ListQuery = z.infer<typeof ListQuery>;

function parseQuery(query: unknown, reply: FastifyReply): ListQuery | null {
  const parsed = ListQuery.safeParse(query);
  if (parsed.success) return parsed.data;
  void reply.code(400).send({ errors: describeIssues(parsed.error) });
  return null;
}

/** Registers the read endpoints. */
export function registerReadRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/journeys', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    const journeys = await listJourneys(deps.pool, { playbook: q.playbook, status: q.status, csm: q.csm, customerId: q.customer, limit: q.limit, offset: q.offset });
    return {
      journeys: journeys.map((j) => ({
        workflow_id: j.workflowId, customer: j.customerId, playbook: j.playbook, playbook_hash: j.playbookHash,
        csm: j.csm, contract: { start: j.contractStart.toISOString(), end: j.contractEnd.toISOString() },
        enrolled_at: j.enrolledAt.toISOString(), status: j.status,
        report_updated_at: j.reportUpdatedAt?.toISOString() ?? null,
      })),
    };
  });

  app.get('/milestones', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    const now = deps.clock();
    const portfolio = await loadPortfolio(deps.pool, { playbook: q.playbook, csm: q.csm, customerId: q.customer });
    // States as the journeys stored them at their last wake-up (`as_of`); `behind`: the journey has not woken when it should have.
    const rows = portfolio
      .flatMap((j) => (j.report?.milestones ?? []).map((m) => ({
        customer: j.customerId, playbook: j.playbook, csm: j.csm, milestone: m.id,
        state: m.state, opens_at: m.opens_at, due_at: m.due_at, completed_at: m.completed_at,
        as_of: j.asOf === null ? null : new Date(j.asOf).toISOString(), behind: isBehind(j, now),
      })))
      .filter((m) => q.status === undefined || m.state === q.status);
    return { milestones: rows.slice(q.offset, q.offset + q.limit), total: rows.length };
  });

  app.get('/figures', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    return computeFigures(await loadPortfolio(deps.pool, { playbook: q.playbook, csm: q.csm }), deps.clock());
  });

  app.get('/figures/health', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    return { days: await healthTrend(deps.pool, deps.clock(), 90, { playbook: q.playbook, csm: q.csm }) };
  });

  app.get('/events/backlog', async () => {
    const b = await deliveryBacklogOf(app);
    return { waiting: b.waiting, oldest_received_at: b.oldestReceivedAt?.toISOString() ?? null, lag_ms: b.lagMs };
  });

  app.get('/outbox', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    return { outbox: await listOutbox(deps.pool, { customerId: q.customer, playbook: q.playbook, status: q.status, csm: q.csm, limit: q.limit, offset: q.offset }) };
  });

  app.get('/ledger', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    return { ledger: await listLedger(deps.pool, { customerId: q.customer, playbook: q.playbook, csm: q.csm, limit: q.limit, offset: q.offset }) };
  });
}
