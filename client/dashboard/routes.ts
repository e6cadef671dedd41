/**
 * The dashboard's routes: server-rendered HTML pages and the CSV export of
 * every table. Behind the same bearer token as the API (a browser passes it
 * once as `?token=`, see client/api/auth.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { listOutbox, type OutboxRow } from '../../store/outbox.ts';
import { listTasks, type TaskRow } from '../../store/tasks.ts';
import { loadCustomerRecord } from '../read-model/customer.ts';
import type { ApiDeps } from '../api/deps.ts';
import { attachment } from '../api/content-disposition.ts';
import { formatCsv } from '../api/csv.ts';
import { customerJourneyTables, renderCustomerPage, type CustomerJourneyView } from './customer-page.ts';
import { computeFigures } from '../read-model/figures.ts';
import { portfolioGrids } from './grid.ts';
import { esc, page } from './html.ts';
import { explainJourney } from './journey-explanations.ts';
import { renderOverview } from './overview-page.ts';
import { renderPortfolio } from './portfolio-page.ts';
import { viewerOf } from './viewer.ts';
import { loadPortfolio } from '../read-model/portfolio.ts';
import { byCohortTable, byCsmTable, gridTable, milestonesTable, renderTable, renewalsTable, risksTable, tableRows, type AnyTable, type TableSpec } from './tables.ts';

const Filter = z.object({
  playbook: z.string().max(200).optional().transform((v) => v || undefined),
  csm: z.string().max(200).optional().transform((v) => v || undefined),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

const EXPORTS = ['milestones', 'by-csm', 'by-cohort', 'renewals', 'risks', 'portfolio', 'tasks', 'outbox'] as const;

/** Registers the dashboard pages and exports. */
export function registerDashboardRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const html = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').send(body);
  const csv = (reply: FastifyReply, name: string, table: AnyTable) => {
    const { header, rows } = tableRows(table);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', attachment(`${name}.csv`)).send(formatCsv(header, rows));
  };
  const filterOf = (query: unknown, reply: FastifyReply) => {
    const parsed = Filter.safeParse(query);
    if (!parsed.success) { void reply.code(400).type('text/plain').send(`bad filter: ${parsed.error.issues.map((i) => i.message).join('; ')}`); return null; }
    return parsed.data;
  };

  app.get('/', async (_request, reply) => reply.redirect('/dashboard'));

  app.get('/dashboard', async (request, reply) => {
    const f = filterOf(request.query, reply);
    if (f === null) return reply;
    const figures = computeFigures(await loadPortfolio(deps.pool, f), deps.clock());
    return html(reply, renderOverview(figures, f, viewerOf(request)));
  });

  app.get('/dashboard/portfolio', async (request, reply) => {
    const f = filterOf(request.query, reply);
    if (f === null) return reply;
    const grids = portfolioGrids(await loadPortfolio(deps.pool, f), deps.clock());
    return html(reply, renderPortfolio(grids, f, f.page - 1, viewerOf(request)));
  });

  app.get('/dashboard/tasks', async (request, reply) => {
    const f = filterOf(request.query, reply);
    if (f === null) return reply;
    return html(reply, page('Tasks', renderTable(tasksTable(await listTasks(deps.pool, { playbook: f.playbook, csm: f.csm, state: 'open', limit: 1000 })), '/dashboard/export/tasks.csv'), { nav: f, viewer: viewerOf(request) }));
  });

  app.get('/dashboard/outbox', async (request, reply) => {
    const f = filterOf(request.query, reply);
    if (f === null) return reply;
    return html(reply, page('Outbox', renderTable(outboxTable(await listOutbox(deps.pool, { playbook: f.playbook, csm: f.csm, limit: 1000 })), '/dashboard/export/outbox.csv'), { nav: f, viewer: viewerOf(request) }));
  });

  app.get<{ Params: { table: string } }>('/dashboard/export/:table', async (request, reply) => {
    const f = filterOf(request.query, reply);
    if (f === null) return reply;
    const name = request.params.table.replace(/\.csv$/, '');
    if (!(EXPORTS as readonly string[]).includes(name)) return reply.code(404).type('text/plain').send(`no export '${name}'; exports: ${EXPORTS.join(', ')}`);
    if (name === 'tasks') return csv(reply, name, tasksTable(await listTasks(deps.pool, { playbook: f.playbook, csm: f.csm })));
    if (name === 'outbox') return csv(reply, name, outboxTable(await listOutbox(deps.pool, { playbook: f.playbook, csm: f.csm })));
    const journeys = await loadPortfolio(deps.pool, f);
    const now = deps.clock();
    if (name === 'portfolio') {
      const grids = portfolioGrids(journeys, now);
      // One file: the columns of every playbook's grid, in order.
      const columns = [...new Set(grids.flatMap((g) => g.columns))];
      const rows = grids.flatMap((g) => g.rows.map((r) => ({ ...r, states: columns.map((c) => r.states[g.columns.indexOf(c)] ?? null) })));
      return csv(reply, name, gridTable(columns, rows));
    }
    const figures = computeFigures(journeys, now);
    const tables: Record<string, () => AnyTable> = {
      milestones: () => milestonesTable(figures), 'by-csm': () => byCsmTable(figures), 'by-cohort': () => byCohortTable(figures),
      renewals: () => renewalsTable(figures), risks: () => risksTable(figures),
    };
    return csv(reply, name, tables[name]!());
  });

  app.get<{ Params: { id: string } }>('/dashboard/customers/:id', async (request, reply) => {
    const loaded = await loadCustomer(deps, request.params.id);
    if (loaded === null) return reply.code(404).type('text/html').send(page('Not found', `<p>No customer '${esc(request.params.id)}'.</p>`, { viewer: viewerOf(request) }));
    return html(reply, renderCustomerPage(loaded.customer, loaded.journeys, deps.clock(), viewerOf(request)));
  });

  app.get<{ Params: { id: string; table: string }; Querystring: { playbook?: string } }>('/dashboard/customers/:id/export/:table', async (request, reply) => {
    const loaded = await loadCustomer(deps, request.params.id);
    if (loaded === null) return reply.code(404).type('text/plain').send(`no customer '${request.params.id}'`);
    const journey = loaded.journeys.find((j) => j.playbook === request.query.playbook) ?? loaded.journeys[0];
    const name = request.params.table.replace(/\.csv$/, '');
    const tables = journey === undefined ? undefined : customerJourneyTables(journey, deps.clock());
    const table = tables?.[name as keyof typeof tables];
    if (table === undefined) return reply.code(404).type('text/plain').send(`no export '${name}'`);
    return csv(reply, `${request.params.id}-${journey!.playbook}-${name}`, table);
  });
}

/** Everything the customer page shows, or null for an unknown customer. */
async function loadCustomer(deps: ApiDeps, customerId: string): Promise<{ customer: { id: string; attrs: Record<string, unknown>; csm: string | null }; journeys: CustomerJourneyView[] } | null> {
  const record = await loadCustomerRecord(deps.pool, customerId);
  if (record === null) return null;
  const { customer, journeys, events, tasks, outbox, ledger } = record;
  const now = deps.clock();
  const views = journeys.map((j): CustomerJourneyView => {
    const { ir } = j;
    const explained = ir === undefined || j.lastReport === null
      ? { bySubject: new Map(), problem: ir === undefined ? 'the pinned playbook version is missing' : null }
      : explainJourney({
        ir, customerId, attrs: j.attrs, contractStart: j.contractStart.getTime(), contractEnd: j.contractEnd.getTime(),
        enrolledAt: j.enrolledAt.getTime(), events,
      }, j.lastReport, now);
    return {
      playbook: j.playbook, playbookHash: j.playbookHash, workflowId: j.workflowId,
      contractStart: j.contractStart.getTime(), contractEnd: j.contractEnd.getTime(), enrolledAt: j.enrolledAt.getTime(),
      report: j.lastReport, reportUpdatedAt: j.reportUpdatedAt,
      titles: new Map((ir?.milestones ?? []).map((m) => [m.id, m.title])),
      explanations: explained.bySubject, explainProblem: explained.problem,
      tasks: tasks.filter((t) => t.journey_id === j.workflowId),
      outbox: outbox.filter((o) => o.journey_id === j.workflowId),
      ledger: ledger.filter((l) => l.journey_id === j.workflowId),
    };
  });
  return { customer, journeys: views };
}

function tasksTable(rows: TaskRow[]): TableSpec<TaskRow> {
  return {
    id: 'tasks', title: 'Tasks',
    columns: [
      { name: 'customer', value: (t) => t.customer_id }, { name: 'playbook', value: (t) => t.playbook }, { name: 'title', value: (t) => t.title },
      { name: 'assignee', value: (t) => t.assignee ?? t.assignee_role }, { name: 'priority', value: (t) => t.priority },
      { name: 'due', value: (t) => t.due_at }, { name: 'status', value: (t) => t.status }, { name: 'source', value: (t) => t.source },
    ],
    rows,
  };
}

function outboxTable(rows: OutboxRow[]): TableSpec<OutboxRow> {
  return {
    id: 'outbox', title: 'Outbox',
    columns: [
      { name: 'customer', value: (o) => o.customer_id }, { name: 'fired', value: (o) => o.fired_at }, { name: 'kind', value: (o) => o.kind },
      { name: 'channel', value: (o) => o.channel }, { name: 'to', value: (o) => o.recipient ?? o.recipient_role }, { name: 'subject', value: (o) => o.subject },
      { name: 'status', value: (o) => o.status }, { name: 'attempts', value: (o) => o.attempts, numeric: true }, { name: 'last error', value: (o) => o.last_error },
    ],
    rows,
  };
}
