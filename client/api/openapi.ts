/**
 * The API's OpenAPI 3.1 description, served at `GET /openapi.json`. Request
 * bodies come from the same zod schemas the routes validate with, so the
 * document cannot drift from what the server accepts.
 */
import { z } from 'zod';
import { CompleteMilestoneBody, EnrolBody, EventBatchBody, EventBody, MAX_BATCH } from './bodies.ts';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });

const errorList = {
  type: 'object',
  properties: { errors: { type: 'array', items: {} } },
  required: ['errors'],
};

const response = (description: string, schema: object = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const listParams = ['customer', 'playbook', 'status', 'csm', 'limit', 'offset'].map((name) => ({
  name, in: 'query', required: false, schema: { type: name === 'limit' || name === 'offset' ? 'integer' : 'string' },
}));
const common = {
  401: response('missing or wrong bearer token', errorList),
  413: response('body over 1 MiB', errorList),
};

/** Builds the OpenAPI document. */
export function openApiDocument(): object {
  const eventBatch = json(EventBatchBody) as unknown as { properties: { events: object } };
  eventBatch.properties.events = { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: { $ref: '#/components/schemas/Event' } };
  return {
    openapi: '3.1.0',
    info: { title: 'Milepost API', version: '1', description: 'Enrol customers in playbooks, push customer events, read journeys, tasks and the milestone ledger. See docs/api.md.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'MILEPOST_API_TOKEN' } },
      schemas: { Event: json(EventBody), EventBatch: eventBatch, Enrolment: json(EnrolBody), ManualCompletion: json(CompleteMilestoneBody) },
    },
    security: [{ bearer: [] }],
    paths: {
      '/health': { get: { summary: 'Server, Postgres and Temporal answer', security: [], responses: { 200: response('healthy'), 503: response('a dependency does not answer') } } },
      '/customers': {
        post: {
          summary: 'Enrol a customer in a playbook (idempotent)',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Enrolment' } } } },
          responses: { 201: response('enrolled'), 200: response('already enrolled; same body as 201'), 400: response('unknown playbook, or customer/contract not matching its declarations', errorList), ...common },
        },
      },
      '/customers/import': {
        post: {
          summary: 'Enrol the customers of a CSV file; every row is checked before any is enrolled',
          parameters: [
            { name: 'playbook', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'validate_only', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } },
          ],
          requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
          responses: { 200: response('enrolled (or valid)'), 400: response('problems by line', errorList), ...common },
        },
      },
      '/events': {
        post: {
          summary: 'Push one event or a batch of up to 1,000, all or nothing, idempotent by event id',
          requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/Event' }, { $ref: '#/components/schemas/EventBatch' }] } } } },
          responses: {
            202: response('stored (and signalled)', { type: 'object', properties: { accepted: { type: 'integer' }, duplicates: { type: 'integer' } } }),
            400: response('bad events by index; nothing of the batch applied; each kept in rejected_events', errorList),
            ...common,
          },
        },
      },
      '/customers/{id}/journeys/{playbook}': {
        get: {
          summary: "The journey's report as of now (SPEC §12)",
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'playbook', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: response('report'), 404: response('not enrolled', errorList), 401: common[401] },
        },
      },
      '/customers/{id}/journeys/{playbook}/milestones/{milestone}/complete': {
        post: {
          summary: 'Complete a milestone by hand (recorded in the ledger)',
          parameters: ['id', 'playbook', 'milestone'].map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ManualCompletion' } } } },
          responses: { 200: response('progress after completion'), 400: response('unknown or closed milestone', errorList), 404: response('not enrolled', errorList), ...common },
        },
      },
      '/journeys': { get: { summary: 'Journeys', parameters: listParams, responses: { 200: response('journeys'), 401: common[401] } } },
      '/milestones': { get: { summary: 'Milestone instances with their state now', parameters: listParams, responses: { 200: response('milestones'), 401: common[401] } } },
      '/figures': { get: { summary: "The managers' figures (same as milepost report --json)", parameters: listParams, responses: { 200: response('figures'), 401: common[401] } } },
      '/tasks': { get: { summary: 'Tasks opened by journeys', parameters: listParams, responses: { 200: response('tasks'), 401: common[401] } } },
      '/outbox': { get: { summary: 'Reminders, escalations and webhooks with delivery status', parameters: listParams, responses: { 200: response('outbox'), 401: common[401] } } },
      '/ledger': { get: { summary: 'The milestone ledger', parameters: listParams, responses: { 200: response('ledger'), 401: common[401] } } },
    },
  };
}
