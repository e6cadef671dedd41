/**
 * Enrolment and a journey's report (reference §15): `POST /customers`,
 * `GET /customers/:id/journeys/:playbook`, and completing a milestone by hand.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findJourney } from '../../../store/journeys.ts';
import { CompleteMilestoneBody, EnrolBody, TermQuery, describeIssues } from '../bodies.ts';
import { parseInstant } from '../../../workflows/engine/instant.ts';
import { refuseOutsideBook } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { enrolCustomer } from '../enrol.ts';
import { JourneysUnavailableError, viaGateway } from '../journeys-unavailable.ts';
import { CompletionRefusedError } from '../../temporal/journey-gateway.ts';

/** Registers the customer routes. */
export function registerCustomerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/customers', { config: { permission: 'enrol' } }, async (request, reply) => {
    const parsed = EnrolBody.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ errors: describeIssues(parsed.error) });
    const outcome = await enrolCustomer(deps.pool, deps.gateway, parsed.data, deps.clock(), deps.metrics);
    if ('errors' in outcome) return reply.code(outcome.status).send({ errors: outcome.errors });
    return reply.code(outcome.status).send(outcome.body);
  });

  /** The journey (term) a customer route means: `?term=<contract start>`, else the term current now. */
  const termOf = async (request: FastifyRequest<{ Params: { id: string; playbook: string } }>, reply: FastifyReply) => {
    const { id, playbook } = request.params;
    const query = TermQuery.safeParse(request.query ?? {});
    if (!query.success) {
      void reply.code(400).send({ errors: describeIssues(query.error) });
      return null;
    }
    const term = query.data.term === undefined ? undefined : parseInstant(query.data.term);
    const journey = term === null ? null : await findJourney(deps.pool, id, playbook, term === undefined ? { at: deps.clock() } : { term });
    if (journey === null) {
      const which = query.data.term === undefined ? '' : ` for a term starting ${query.data.term}`;
      void reply.code(404).send({ errors: [`customer '${id}' is not enrolled in playbook '${playbook}'${which}`] });
    }
    return journey;
  };

  app.get<{ Params: { id: string; playbook: string } }>('/customers/:id/journeys/:playbook', async (request, reply) => {
    const journey = await termOf(request, reply);
    if (journey === null) return reply;
    // As of now exactly (reference §15): the journey answers; the read model holds it as of its last wake-up.
    return viaGateway(`the report of journey ${journey.workflowId}`, () => deps.gateway.report(journey.workflowId, deps.clock()));
  });

  app.post<{ Params: { id: string; playbook: string; milestone: string } }>(
    '/customers/:id/journeys/:playbook/milestones/:milestone/complete', { config: { permission: 'work', by: true, form: true } }, async (request, reply) => {
      const { id, milestone } = request.params;
      const parsed = CompleteMilestoneBody.safeParse(request.body ?? {});
      if (!parsed.success) return reply.code(400).send({ errors: describeIssues(parsed.error) });
      const journey = await termOf(request, reply);
      if (journey === null) return reply;
      if (refuseOutsideBook(request, reply, { csm: journey.csm }, `customer '${id}'`)) return reply;
      let progress;
      try {
        progress = await deps.gateway.completeMilestone(journey.workflowId, { milestone, note: parsed.data.note, by: parsed.data.by });
      } catch (err) {
        // The journey refused it (unknown milestone, not open, no note): 400 with its reason.
        if (err instanceof CompletionRefusedError) return reply.code(400).send({ errors: [err.message] });
        throw new JourneysUnavailableError(`completing '${milestone}' of journey ${journey.workflowId}: Temporal did not answer (${(err as Error).message})`, { cause: err });
      }
      return progress;
    });
}
