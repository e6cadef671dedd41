/**
 * The API's OpenAPI 3.1 description, served at `GET /openapi.json`. Every
 * request part (body, query, path) and every answer (errors included) is the
 * zod schema the route validates with or answers by (bodies.ts,
 * schemas/*.ts, routes/reads.ts), converted to JSON Schema here, so the
 * document cannot drift from the server: tests/hardening/openapi.test.ts
 * checks that every registered API route is described and nothing else, and
 * Schemathesis (scripts/schemathesis.sh) checks the answers against it.
 */
import { z } from 'zod';
import { CompleteMilestoneBody, EnrolBody, EventBody, HistoryEventBody, MAX_BATCH, MAX_HISTORY, TermQuery } from './bodies.ts';
import { BODY_LIMIT, MAX_PARAM_LENGTH } from './error-handling.ts';
import { ListQuery } from './routes/reads.ts';
import { AssignTaskBody, CloseTaskBody, TaskListQuery } from './routes/tasks.ts';
import { ImportQuery, JourneyPath, MilestonePath, TaskPath } from './schemas/requests.ts';
import * as answers from './schemas/responses.ts';

type Method = 'GET' | 'POST';
type Status = 200 | 201 | 202 | 400 | 401 | 403 | 404 | 409 | 413 | 414 | 415 | 503;

/** One API route as the document describes it. */
export interface ApiRoute {
  method: Method;
  /** Fastify's form: `/customers/:id/journeys/:playbook`. */
  url: string;
  operationId: string;
  summary: string;
  tag: 'customers' | 'events' | 'journeys' | 'tasks' | 'reads' | 'service';
  /** Reachable without the bearer token. */
  public?: true;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { component: keyof typeof REQUEST_COMPONENTS; mediaType: 'application/json' | 'text/csv' };
  /** Answers besides those every route of its kind has (401, 400, 413/414/415; see {@link responsesOf}). */
  responses: Partial<Record<Status, { description: string; component: keyof typeof RESPONSE_COMPONENTS }>>;
}

/** Request bodies, by component name. */
const REQUEST_COMPONENTS = {
  Event: EventBody,
  HistoryEvent: HistoryEventBody,
  Enrolment: EnrolBody,
  ManualCompletion: CompleteMilestoneBody,
  TaskClose: CloseTaskBody,
  TaskAssignment: AssignTaskBody,
};

/** Answers, by component name. */
const RESPONSE_COMPONENTS = {
  ErrorList: answers.ErrorList, Health: answers.Health, Enrolled: answers.Enrolled, EventsAccepted: answers.EventsAccepted,
  ImportResult: answers.ImportResult, JourneyReport: answers.JourneyReport, JourneyProgress: answers.JourneyProgress,
  JourneyList: answers.JourneyList, MilestoneList: answers.MilestoneList, Figures: answers.Figures, TaskList: answers.TaskList,
  OutboxList: answers.OutboxList, LedgerList: answers.LedgerList, OpenApiDocument: answers.OpenApiDocument,
  Task: answers.Task, HealthTrend: answers.HealthTrend, DeliveryBacklog: answers.DeliveryBacklog,
};

const unavailable = { description: 'Temporal did not answer; nothing is lost, repeat the request', component: 'ErrorList' } as const;
const notEnrolled = { description: 'the customer is not enrolled in that playbook', component: 'ErrorList' } as const;

/** Every API route (the dashboard's HTML routes are not part of the API: see {@link isHtmlRoute}). */
export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET', url: '/health', operationId: 'getHealth', tag: 'service', public: true,
    summary: 'Server, Postgres and Temporal answer',
    responses: { 200: { description: 'healthy', component: 'Health' }, 503: { description: 'a dependency does not answer (named)', component: 'Health' } },
  },
  {
    method: 'GET', url: '/openapi.json', operationId: 'getOpenApi', tag: 'service', public: true,
    summary: 'This document',
    responses: { 200: { description: 'the OpenAPI 3.1 document', component: 'OpenApiDocument' } },
  },
  {
    method: 'POST', url: '/customers', operationId: 'enrolCustomer', tag: 'customers',
    summary: 'Enrol a customer in a playbook for one contract term (idempotent per term)',
    body: { component: 'Enrolment', mediaType: 'application/json' },
    responses: {
      201: { description: 'enrolled: a new term (the first, or one that overlaps no enrolled term)', component: 'Enrolled' },
      200: { description: 'that term (same contract start) is enrolled already: the same body as the 201, the journey unchanged', component: 'Enrolled' },
      409: { description: 'the contract overlaps an enrolled term of that customer and playbook', component: 'ErrorList' },
      503: { description: 'recorded, but Temporal could not start the journey: repeat the same request', component: 'ErrorList' },
    },
  },
  {
    method: 'POST', url: '/customers/import', operationId: 'importCustomers', tag: 'customers',
    summary: 'Enrol the customers of a CSV file; every row is checked before any is enrolled',
    query: ImportQuery,
    body: { component: 'Enrolment', mediaType: 'text/csv' },
    responses: {
      200: { description: 'enrolled (or, with validate_only, how many rows are valid)', component: 'ImportResult' },
      503: unavailable,
    },
  },
  {
    method: 'POST', url: '/events', operationId: 'pushEvents', tag: 'events',
    summary: `Push one event or a batch of up to ${MAX_BATCH.toLocaleString('en-US')}, all or nothing, idempotent by event id`,
    body: { component: 'Event', mediaType: 'application/json' },
    responses: { 202: { description: 'stored (new ones signalled to their journeys)', component: 'EventsAccepted' } },
  },
  {
    method: 'GET', url: '/customers/:id/journeys/:playbook', operationId: 'getJourneyReport', tag: 'journeys',
    summary: "The journey's report as of now (reference §12); `term` picks a term, default the current one",
    params: JourneyPath, query: TermQuery,
    responses: { 200: { description: 'the report', component: 'JourneyReport' }, 404: notEnrolled, 503: unavailable },
  },
  {
    method: 'POST', url: '/customers/:id/journeys/:playbook/milestones/:milestone/complete', operationId: 'completeMilestone', tag: 'journeys',
    summary: 'Complete a milestone by hand (recorded in the ledger); `term` picks a term, default the current one',
    params: MilestonePath, query: TermQuery,
    body: { component: 'ManualCompletion', mediaType: 'application/json' },
    responses: { 200: { description: 'the journey after the completion', component: 'JourneyProgress' }, 404: notEnrolled, 503: unavailable },
  },
  {
    method: 'GET', url: '/tasks', operationId: 'listTasks', tag: 'tasks', query: TaskListQuery,
    summary: 'Tasks the journeys opened, soonest due first',
    responses: { 200: { description: 'tasks', component: 'TaskList' } },
  },
  {
    method: 'POST', url: '/tasks/:task/close', operationId: 'closeTask', tag: 'tasks', params: TaskPath,
    summary: 'Close a task by hand (recorded first, then the journey closes it at its clock)',
    body: { component: 'TaskClose', mediaType: 'application/json' },
    responses: {
      200: { description: 'the task as closed (or as it already was)', component: 'Task' },
      404: { description: 'no such task', component: 'ErrorList' },
      409: { description: 'the journey has no such task to close', component: 'ErrorList' },
      503: { description: 'the close is recorded and reaches the journey when Temporal answers', component: 'ErrorList' },
    },
  },
  {
    method: 'POST', url: '/tasks/:task/assign', operationId: 'assignTask', tag: 'tasks', params: TaskPath,
    summary: 'Assign a task to a person',
    body: { component: 'TaskAssignment', mediaType: 'application/json' },
    responses: { 200: { description: 'the task, assigned', component: 'Task' }, 404: { description: 'no such task', component: 'ErrorList' } },
  },
  {
    method: 'GET', url: '/events/backlog', operationId: 'getDeliveryBacklog', tag: 'events',
    summary: 'Events stored and not yet delivered to their journeys',
    responses: { 200: { description: 'the backlog', component: 'DeliveryBacklog' } },
  },
  ...([
    ['/journeys', 'listJourneys', 'Journeys with contract, status and when their report was refreshed', 'JourneyList'],
    ['/milestones', 'listMilestones', 'Every milestone instance with its state now', 'MilestoneList'],
    ['/figures', 'getFigures', "The managers' figures (the same JSON as milepost report --json)", 'Figures'],
    ['/figures/health', 'getHealthTrend', 'Mean journey health per day over the last 90 days', 'HealthTrend'],
    ['/outbox', 'listOutbox', 'Reminders, escalations and webhooks with delivery status, newest first', 'OutboxList'],
    ['/ledger', 'listLedger', 'The milestone ledger, in time order', 'LedgerList'],
  ] as const).map(([url, operationId, summary, component]): ApiRoute => ({
    method: 'GET', url, operationId, summary, tag: 'reads', query: ListQuery,
    responses: { 200: { description: summary.split(',')[0]!, component } },
  })),
];

/** The dashboard's routes (and its sign-in): HTML and CSV for browsers, not part of the API. */
export function isHtmlRoute(url: string): boolean {
  return url === '/' || url === '/dashboard' || url.startsWith('/dashboard/') || url === '/sign-in' || url === '/sign-out';
}

const TAGS = [
  { name: 'customers', description: 'Enrolment, one at a time or from a CSV file' },
  { name: 'events', description: 'Customer events, stored before they are signalled' },
  { name: 'journeys', description: "One customer's journey in one playbook" },
  { name: 'tasks', description: 'Tasks the journeys opened: list, close, assign' },
  { name: 'reads', description: 'Lists across journeys, from the read model' },
  { name: 'service', description: 'Health and this description' },
];

/** `:id` → `{id}`. */
export const openApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, '{$1}');

/** Builds the OpenAPI document for a server reachable at `serverUrl`. */
export function openApiDocument(serverUrl = 'http://127.0.0.1:8080'): Record<string, unknown> {
  const requestSchemas = componentSchemas(REQUEST_COMPONENTS, 'input');
  const responseSchemas = componentSchemas(RESPONSE_COMPONENTS, 'output');
  for (const schema of Object.values(requestSchemas)) forbidNul(schema);
  requestSchemas.EventBatch = {
    type: 'object', additionalProperties: false, required: ['events'],
    properties: { events: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: { $ref: '#/components/schemas/Event' } } },
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    const path = (paths[openApiPath(route.url)] ??= {});
    path[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Milepost API', version: '1',
      description: 'Enrol customers in playbooks, push customer events, read journeys, tasks and the milestone ledger. '
        + `Every error is \`{"errors": [...]}\`. Bodies are at most ${BODY_LIMIT} bytes; path segments at most ${MAX_PARAM_LENGTH} characters. See docs/api.md.`,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: serverUrl, description: '`milepost serve` (MILEPOST_PORT, default 8080)' }],
    tags: TAGS,
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'MILEPOST_API_TOKEN (or a user session token)' } },
      schemas: { ...requestSchemas, ...responseSchemas },
    },
  };
}

function operation(route: ApiRoute): Record<string, unknown> {
  const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')];
  const op: Record<string, unknown> = { operationId: route.operationId, summary: route.summary, tags: [route.tag] };
  if (route.public) op.security = [];
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body !== undefined) {
    const schema = route.body.mediaType === 'text/csv'
      ? { type: 'string', pattern: NO_NUL, description: 'CSV (RFC 4180): a header row `id,contract_start,contract_end[,enrolled_at],<attributes...>`, then one row per customer' }
      : route.operationId === 'pushEvents'
        ? { oneOf: [{ $ref: '#/components/schemas/Event' }, { $ref: '#/components/schemas/EventBatch' }] }
        : { $ref: `#/components/schemas/${route.body.component}` };
    op.requestBody = { required: true, content: { [route.body.mediaType]: { schema } } };
  }
  op.responses = responsesOf(route);
  return op;
}

/** A route's answers: its own, plus the errors every route of its kind can give. */
function responsesOf(route: ApiRoute): Record<string, unknown> {
  const all: Partial<Record<Status, { description: string; component: string }>> = { ...route.responses };
  const error = (description: string) => ({ description, component: 'ErrorList' });
  all[400] ??= error(route.body !== undefined
    ? 'the body (or a parameter) is refused: each problem named; nothing changed'
    : 'a parameter is refused (unknown, malformed, out of bounds, or text Postgres cannot store such as NUL)');
  if (!route.public) all[401] = error('missing, malformed or wrong bearer token');
  if (route.params !== undefined) all[414] = error(`a path segment is longer than ${MAX_PARAM_LENGTH} characters`);
  if (route.body !== undefined) {
    all[413] = error(`body over ${BODY_LIMIT} bytes (1 MiB)`);
    all[415] = error(`unsupported content type: send ${route.body.mediaType}`);
  }
  const out: Record<string, unknown> = {};
  for (const status of Object.keys(all).map(Number).sort((a, b) => a - b) as Status[]) {
    const { description, component } = all[status]!;
    out[String(status)] = { description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${component}` } } } };
  }
  return out;
}

function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query'): object[] {
  if (schema === undefined) return [];
  const json = forbidNul(toJson(schema, 'input')) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name, in: where, required: where === 'path' || (json.required ?? []).includes(name),
      ...(description === undefined ? {} : { description }), schema: rest,
    };
  });
}

function componentSchemas(components: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io, unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, strip(schema)]));
}

function toJson(schema: z.ZodType, io: 'input' | 'output'): unknown {
  return strip(z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }));
}

/**
 * No text the API takes may hold NUL (U+0000): every route refuses it with
 * 400 (bodies.ts `safeText`, input-guards.ts for paths and queries, the
 * error handler for the rest), because Postgres cannot store it. The
 * document says so on every request string that has no pattern of its own.
 * (Lone surrogates, refused likewise, cannot be written in a JSON Schema
 * pattern; JSON text carries them only as escapes.)
 */
const NO_NUL = '^[^\\u0000]*$';

function forbidNul<T>(schema: T): T {
  if (Array.isArray(schema)) schema.forEach(forbidNul);
  else if (typeof schema === 'object' && schema !== null) {
    const node = schema as Record<string, unknown>;
    const types = [node.type].flat();
    if (types.includes('string') && node.pattern === undefined && node.enum === undefined && node.const === undefined) node.pattern = NO_NUL;
    for (const value of Object.values(node)) forbidNul(value);
  }
  return schema;
}

/** Drops the keys zod writes for a standalone JSON Schema document, which an OpenAPI component does not carry (`$schema`, `$id`, `id`). */
function strip(schema: unknown): unknown {
  const { $schema: _schema, $id: _dollarId, id: _id, ...rest } = schema as Record<string, unknown>;
  return rest;
}
