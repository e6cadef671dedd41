/**
 * `POST /customers/import?playbook=<id>[&validate_only=true]`: enrol the
 * customers of a CSV body (`text/csv`). All rows are checked first; any bad
 * row refuses the whole file with 400 and the line of each problem.
 */
import type { FastifyInstance } from 'fastify';
import { describeIssues } from '../bodies.ts';
import { prepareImport } from '../customer-import.ts';
import type { ApiDeps } from '../deps.ts';
import { enrolCustomers } from '../enrol.ts';
import { ImportQuery } from '../schemas/requests.ts';

/** Registers the CSV import route. */
export function registerImportRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/customers/import', { config: { permission: 'import' } }, async (request, reply) => {
    const query = ImportQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ errors: describeIssues(query.error).map((error) => ({ line: 0, id: null, error })) });
    if (typeof request.body !== 'string') {
      return reply.code(400).send({ errors: [{ line: 0, id: null, error: 'expected a CSV body with Content-Type: text/csv' }] });
    }
    const prepared = await prepareImport(deps.pool, query.data.playbook, request.body);
    if (!prepared.ok) return reply.code(400).send({ errors: prepared.errors });
    if (query.data.validate_only === 'true') return { valid: prepared.requests.length };
    // Concurrently: the time goes to Temporal's start round trips, which overlap.
    const outcomes = await enrolCustomers(deps.pool, deps.gateway, prepared.requests, deps.clock(), deps.metrics);
    // 400 cannot happen: prepareImport ran the same checks.
    return { enrolled: outcomes.filter((o) => o.status === 201).length, already_enrolled: outcomes.filter((o) => o.status === 200).length };
  });
}
