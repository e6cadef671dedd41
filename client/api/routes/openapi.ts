/** `GET /openapi.json`: the API's OpenAPI description. */
import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi.ts';

/** Registers `GET /openapi.json`. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  const document = openApiDocument();
  app.get('/openapi.json', async () => document);
}
