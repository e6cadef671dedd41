/**
 * `POST /customers/import?playbook=<id>[&validate_only=true]`: enrol the
 * customers of a CSV body (`text/csv`). All rows are checked first; any bad
 * row refuses the whole file with 400 and the line of each problem.
 */
import type { FastifyInstance } from 'fastify';
import { describeIssues } from '../bodies.ts';
import { prepareImport } from '../customer-import.ts';
import type { ApiDeps } from '../deps.ts';
import { enrolCustomer } from '../enrol.ts';
import { ImportQuery } from '../schemas/requests.ts';

/** Registers the CSV import route. */
export function registerImportRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/customers/import', async (request, reply) => {
    const query = ImportQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ errors: describeIssues(query.error).map((error) => ({ line: 0, id: null, error })) });
    if (typeof request.body !== 'string') {
      return reply.code(400).send({ errors: [{ line: 0, id: null, error: 'expected a CSV body with Content-Type: text/csv' }] });
    }
    const prepared = await prepareImport(deps.pool, query.data.playbook, request.body);
    if (!prepared.ok) return reply.code(400).send({ errors: prepared.errors });
    if (query.data.validate_only === 'true') return { valid: prepared.requests.length };
    let enrolled = 0;
    let alreadyEnrolled = 0;
    for (const enrolment of prepared.requests) {
      const outcome = await enrolCustomer(deps.pool, deps.gateway, enrolment, deps.clock(), deps.metrics);
      if (outcome.status === 201) enrolled += 1;
      else if (outcome.status === 200) alreadyEnrolled += 1;
      // 400 cannot happen: prepareImport ran the same checks.
    }
    return { enrolled, already_enrolled: alreadyEnrolled };
  });
}
