/**
 * `POST /events`: one event or a batch of up to 1,000, all or nothing
 * (SPEC §15). Stored first, then signalled; the journeys' reports are
 * refreshed afterwards, off the request's path (report-refresher.ts).
 */
import type { FastifyInstance } from 'fastify';
import { acceptEvents } from '../accept-events.ts';
import { EventBatchBody, describeIssues } from '../bodies.ts';
import type { ApiDeps } from '../deps.ts';
import { deliverStoredEvents } from '../event-delivery.ts';
import type { ReportRefresher } from '../report-refresher.ts';

/** Registers `POST /events`. */
export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps, refresher: ReportRefresher): void {
  app.post('/events', async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return reply.code(400).send({ errors: [{ index: null, id: null, error: 'expected a JSON object: one event, or {"events": [...]}' }] });
    }
    let items: unknown[];
    if ('events' in body) {
      const batch = EventBatchBody.safeParse(body);
      if (!batch.success) return reply.code(400).send({ errors: describeIssues(batch.error).map((error) => ({ index: null, id: null, error })) });
      items = batch.data.events;
    } else {
      items = [body];
    }
    const outcome = await acceptEvents(deps.pool, items);
    if (!outcome.ok) return reply.code(400).send({ errors: outcome.errors });
    // Stored: from here on nothing is lost. Signal now; whatever fails is
    // signalled by the periodic sweep.
    const delivery = await deliverStoredEvents(deps.pool, deps.gateway, outcome.stored, deps.clock(), deps.metrics);
    if (delivery.failed.length > 0) request.log.warn({ failed: delivery.failed.slice(0, 10) }, 'events stored but not yet signalled');
    refresher.mark(delivery.touched);
    return reply.code(202).send({ accepted: outcome.accepted, duplicates: outcome.duplicates });
  });
}
