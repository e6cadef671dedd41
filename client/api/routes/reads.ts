/**
 * Read endpoints: journeys, milestones (per journey, from the read model),
 * the portfolio figures, tasks, the outbox and the milestone ledger. Lists
 * take `limit` (default 100, at most 1000) and `offset`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { listLedger, listOutbox, listTasks } from '../../../store/journey-actions.ts';
import { listJourneys } from '../../../store/journeys.ts';
import { computeFigures, effectiveState } from '../../dashboard/figures.ts';
import { loadPortfolio } from '../../dashboard/read-model.ts';
import { describeIssues } from '../bodies.ts';
import type { ApiDeps } from '../deps.ts';

/** Query string of the list endpoints. */
export const ListQuery = z.strictObject({
  customer: z.string().max(200).optional(),
  playbook: z.string().max(200).optional(),
  status: z.string().max(50).optional(),
  csm: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
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
        report_updated_at: j.lastReport === null ? null : j.updatedAt.toISOString(),
      })),
    };
  });

  app.get('/milestones', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    const now = deps.clock();
    const portfolio = await loadPortfolio(deps.pool, { playbook: q.playbook, csm: q.csm });
    const rows = portfolio
      .filter((j) => q.customer === undefined || j.customerId === q.customer)
      .flatMap((j) => (j.report?.milestones ?? []).map((m) => ({
        customer: j.customerId, playbook: j.playbook, csm: j.csm, milestone: m.id,
        state: effectiveState(m, j.contractEnd, now), opens_at: m.opens_at, due_at: m.due_at, completed_at: m.completed_at,
      })))
      .filter((m) => q.status === undefined || m.state === q.status);
    return { milestones: rows.slice(q.offset, q.offset + q.limit), total: rows.length };
  });

  app.get('/figures', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    return computeFigures(await loadPortfolio(deps.pool, { playbook: q.playbook, csm: q.csm }), deps.clock());
  });

  app.get('/tasks', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    return { tasks: await listTasks(deps.pool, { customerId: q.customer, playbook: q.playbook, status: q.status, limit: q.limit, offset: q.offset }) };
  });

  app.get('/outbox', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    return { outbox: await listOutbox(deps.pool, { customerId: q.customer, playbook: q.playbook, status: q.status, limit: q.limit, offset: q.offset }) };
  });

  app.get('/ledger', async (request, reply) => {
    const q = parseQuery(request.query, reply);
    if (q === null) return reply;
    return { ledger: await listLedger(deps.pool, { customerId: q.customer, playbook: q.playbook, limit: q.limit, offset: q.offset }) };
  });
}
