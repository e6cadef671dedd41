/** `GET /openapi.json`: the API's OpenAPI description (no token needed: it holds no data). */
import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi.ts';

/** Registers `GET /openapi.json`; `servers` names the address the request came to. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', async (request) => openApiDocument(`${request.protocol}://${request.host}`));
}
