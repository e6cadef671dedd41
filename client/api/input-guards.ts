/**
 * Path parameters and query strings Postgres cannot take (NUL, a lone
 * surrogate) are refused with 400 naming the parameter, before any route
 * runs: every route reads them into queries, and such text used to fail
 * the query with a 500. Bodies are checked by their own schemas (bodies.ts),
 * so that a bad event can be kept in `rejected_events` with its reason.
 */
import type { FastifyInstance } from 'fastify';
import { errorBody } from './error-handling.ts';
import { textProblem } from './unicode-text.ts';

/** Installs the check (a `preValidation` hook: after authentication, before the handler). */
export function refuseUnstorableText(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    const problems = [
      ...problemsOf('path parameter', request.params),
      ...problemsOf('query parameter', request.query),
    ];
    if (problems.length > 0) return reply.code(400).send(errorBody(...problems));
  });
}

function problemsOf(kind: string, values: unknown): string[] {
  if (typeof values !== 'object' || values === null) return [];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const nameProblem = textProblem(name);
    if (nameProblem !== null) problems.push(`${kind} name ${JSON.stringify(name)} ${nameProblem}`);
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text !== 'string') continue;
      const problem = textProblem(text);
      if (problem !== null) problems.push(`${kind} '${JSON.stringify(name).slice(1, -1)}' ${problem}`);
    }
  }
  return problems;
}
