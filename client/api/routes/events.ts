/**
 * `POST /events`: one event or a batch of up to 1,000, all or nothing
 * (reference §15). The 202 answers once the batch is stored, never waiting for
 * Temporal; the delivery loop (event-delivery.ts) signals the journeys.
 */
import type { FastifyInstance } from 'fastify';
import { acceptEvents } from '../accept-events.ts';
import { EventBatchBody, describeIssues } from '../bodies.ts';
import type { ApiDeps } from '../deps.ts';
import type { DeliveryLoop } from '../event-delivery.ts';
import { EventInsertGroups } from '../event-insert-groups.ts';
import { JourneyPinCache } from '../journey-pins.ts';

/** Registers `POST /events`. */
export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps, delivery: DeliveryLoop): void {
  // The customers' journeys as last read, so a batch is usually checked and stored in one statement.
  // Requests arriving together are stored in one statement (group commit).
  const intake = { pins: new JourneyPinCache(), groups: new EventInsertGroups(deps.pool) };
  app.post('/events', { config: { permission: 'events' } }, async (request, reply) => {
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
    const outcome = await acceptEvents(deps.pool, items, intake);
    if (!outcome.ok) return reply.code(400).send({ errors: outcome.errors });
    // Stored: from here on nothing is lost. The loop signals the journeys.
    if (outcome.accepted > 0) delivery.notify(outcome.checked, outcome.stored);
    return reply.code(202).send({ accepted: outcome.accepted, duplicates: outcome.duplicates, ignored_fields: outcome.ignoredFields });
  });
}
