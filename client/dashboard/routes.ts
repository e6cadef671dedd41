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
import { queryInteger } from '../api/query-integer.ts';
import { parseInstant } from '../../workflows/engine/instant.ts';
import { customerJourneyTables, renderCustomerPage, type CustomerJourneyView } from './customer-page.ts';
import { computeFigures } from '../read-model/figures.ts';
import { portfolioGrids } from './grid.ts';
import { esc, filterForm, page } from './html.ts';
import { explainJourney } from './journey-explanations.ts';
import { renderOverview } from './overview-page.ts';
import { renderPortfolio } from './portfolio-page.ts';
import { viewerOf } from './viewer.ts';
import { mayWork } from '../api/auth.ts';
import { listUsers } from '../../store/users.ts';
import { filterValues } from '../../store/filter-values.ts';
import { healthHistories, taskCountsByAssignee } from '../../store/health-history.ts';
import { healthTrend } from '../../store/journey-progress.ts';
import type { PortfolioJourney } from '../read-model/figures.ts';
import { columnBars } from './charts.ts';
import { renderMyWork, taskButtons } from './my-work-page.ts';
import { when } from './words.ts';
import type { Viewer } from './html.ts';
import { computeTeamFigures, DEFAULT_CAPACITY } from './team-figures.ts';
import { drillDownOf, renderDrillDown, renderForecastPage, renderTeamPage } from './team-page.ts';
import { snapshotCache } from './team-snapshot.ts';

/** How old the team's figures may be before a page starts computing them again. */
export const TEAM_SNAPSHOT_MAX_AGE_MS = 30_000;
import { loadPortfolio } from '../read-model/portfolio.ts';
import { byCohortTable, byCsmTable, gridTable, milestonesTable, renderTable, renewalsTable, risksTable, tableRows, type AnyTable, type TableSpec } from './tables.ts';

const Filter = z.object({
  playbook: z.string().max(200).optional().transform((v) => v || undefined),
  csm: z.string().max(200).optional().transform((v) => v || undefined),
  page: queryInteger(1, 100_000, 1),
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

  // The dropdowns' values (every playbook, every CSM) read the whole portfolio: kept like the snapshots.
  const choices = snapshotCache(() => filterValues(deps.pool), TEAM_SNAPSHOT_MAX_AGE_MS);

  const overviewSnapshots = snapshotCache(async (key: string) => {
    const [playbook, csm] = key.split('\u0000');
    return computeFigures(await loadPortfolio(deps.pool, { ...(playbook ? { playbook } : {}), ...(csm ? { csm } : {}) }), deps.clock());
  }, TEAM_SNAPSHOT_MAX_AGE_MS);

  app.get('/dashboard', async (request, reply) => {
    const f = filterOf(request.query, reply);
    if (f === null) return reply;
    // From a snapshot, like the team's pages: the figures read every journey of the portfolio.
    const snapshot = await overviewSnapshots.get(`${f.playbook ?? ''}\u0000${f.csm ?? ''}`);
    return html(reply, renderOverview(snapshot.value, f, viewerOf(request), (await choices.get('')).value));
  });

  // A CSM's page: their own book by default; anyone may look at another's (read-only unless they may work it).
  app.get<{ Querystring: { csm?: string; page?: string } }>('/dashboard/me', async (request, reply) => {
    const viewer = viewerOf(request);
    const values = (await choices.get('')).value;
    const asked = typeof request.query.csm === 'string' && request.query.csm !== '' ? request.query.csm : undefined;
    const csm = asked ?? (request.user?.via === 'machine' ? values.csms[0] : request.user?.email) ?? '';
    const now = deps.clock();
    const [journeys, tasks, users] = await Promise.all([
      loadPortfolio(deps.pool, { csm }), listTasks(deps.pool, { csm, state: 'open', limit: 1000 }), listUsers(deps.pool),
    ]);
    const histories = await healthHistories(deps.pool, journeys.map((j) => j.workflowId), now, 90);
    const reasons = await riskReasons(deps, journeys, now);
    const assignees = [...new Set([csm, ...users.filter((u) => u.role !== 'operator').map((u) => u.email), ...values.csms])].filter((a) => a !== '').sort();
    const page = Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1);
    return html(reply, renderMyWork({
      csm, now, journeys, tasks, histories, reasons, assignees, csms: values.csms.includes(csm) ? values.csms : [csm, ...values.csms],
      canWork: mayWork(request.user, { csm }), page,
    }, viewer));
  });

  // The manager's pages, from a snapshot of the team's figures (team-snapshot.ts).
  const teamSnapshots = snapshotCache(async (key: string) => {
    const [playbook, from, to, capacity] = key.split('\u0000');
    const now = deps.clock();
    const journeys = await loadPortfolio(deps.pool, playbook ? { playbook } : {});
    const figures = computeTeamFigures(journeys, await taskCountsByAssignee(deps.pool, now), now, { capacity: Number(capacity), period: { from: Number(from), to: Number(to) } });
    return { figures, trend: await healthTrend(deps.pool, now, 90, playbook ? { playbook } : {}) };
  }, TEAM_SNAPSHOT_MAX_AGE_MS);
  const teamQuery = (query: Record<string, string | undefined>) => {
    const now = deps.clock();
    const day = (text: string | undefined, fallback: number) => { const t = text ? Date.parse(`${text}T00:00:00Z`) : Number.NaN; return Number.isFinite(t) ? t : fallback; };
    const from = day(query.from, Math.floor((now - 365 * 86_400_000) / 86_400_000) * 86_400_000);
    const to = day(query.to, Math.floor(now / 86_400_000) * 86_400_000 + 86_400_000);
    const capacity = Number(query.capacity ?? deps.csmCapacity ?? DEFAULT_CAPACITY);
    const playbook = query.playbook || undefined;
    return { playbook, from, to, key: [playbook ?? '', from, to, Number.isFinite(capacity) && capacity > 0 ? capacity : DEFAULT_CAPACITY].join('\u0000') };
  };
  const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

  app.get<{ Querystring: Record<string, string | undefined> }>('/dashboard/team', { config: { permission: 'team' } }, async (request, reply) => {
    const q = teamQuery(request.query);
    const [snapshot, values] = await Promise.all([teamSnapshots.get(q.key), choices.get('').then((c) => c.value)]);
    return html(reply, renderTeamPage(snapshot.value.figures, {
      playbook: q.playbook, playbooks: values.playbooks, viewer: viewerOf(request), ageMs: Date.now() - snapshot.computedAt,
      page: Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1),
      overduePage: Math.max(1, Number.parseInt(request.query.overdue_page ?? '1', 10) || 1),
    }));
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/dashboard/forecast', { config: { permission: 'team' } }, async (request, reply) => {
    const q = teamQuery(request.query);
    const [snapshot, values] = await Promise.all([teamSnapshots.get(q.key), choices.get('').then((c) => c.value)]);
    const { trend } = snapshot.value;
    return html(reply, renderForecastPage(snapshot.value.figures, {
      playbook: q.playbook, playbooks: values.playbooks, viewer: viewerOf(request), from: isoDay(q.from), to: isoDay(q.to - 86_400_000),
      trend: trend.length === 0 ? '<p class="muted">No health recorded yet.</p>' : columnBars('health-trend', trend.filter((_, i) => i % 7 === (trend.length - 1) % 7).map((d) => ({ label: d.day.slice(5), value: d.mean, text: d.mean.toFixed(0) }))),
    }));
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/dashboard/team/customers', { config: { permission: 'team' } }, async (request, reply) => {
    const q = teamQuery(request.query);
    const snapshot = await teamSnapshots.get(q.key);
    const found = drillDownOf(snapshot.value.figures, request.query.figure ?? '');
    if (found === null) return reply.code(404).type('text/html; charset=utf-8').send(page('Not found', `<p>No figure '${esc(request.query.figure)}'.</p>`, { viewer: viewerOf(request) }));
    return html(reply, renderDrillDown(found.title, found.customers, {
      viewer: viewerOf(request), page: Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1),
      query: { figure: request.query.figure, playbook: q.playbook, from: request.query.from, to: request.query.to },
    }));
  });

  app.get('/dashboard/portfolio', async (request, reply) => {
    const f = filterOf(request.query, reply);
    if (f === null) return reply;
    const grids = portfolioGrids(await loadPortfolio(deps.pool, f), deps.clock());
    return html(reply, renderPortfolio(grids, f, f.page - 1, viewerOf(request), (await choices.get('')).value));
  });

  app.get('/dashboard/tasks', async (request, reply) => {
    const f = filterOf(request.query, reply);
    if (f === null) return reply;
    return html(reply, page('Tasks', filterForm('/dashboard/tasks', f, (await choices.get('')).value) + renderTable(tasksTable(await listTasks(deps.pool, { playbook: f.playbook, csm: f.csm, state: 'open', limit: 1000 }), {
      now: deps.clock(), viewer: viewerOf(request), may: (t) => mayWork(request.user, { csm: null, assignee: t.assignee }),
      assignees: [...new Set([...(await listUsers(deps.pool)).filter((u) => u.role !== 'operator').map((u) => u.email), ...((await choices.get('')).value).csms])].sort(),
    }), '/dashboard/export/tasks.csv'), { nav: f, viewer: viewerOf(request) }));
  });

  app.get('/dashboard/outbox', async (request, reply) => {
    const f = filterOf(request.query, reply);
    if (f === null) return reply;
    return html(reply, page('Outbox', filterForm('/dashboard/outbox', f, (await choices.get('')).value) + renderTable(outboxTable(await listOutbox(deps.pool, { playbook: f.playbook, csm: f.csm, limit: 1000 })), '/dashboard/export/outbox.csv'), { nav: f, viewer: viewerOf(request) }));
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
    const now = deps.clock();
    const [histories, progress, users] = await Promise.all([
      healthHistories(deps.pool, loaded.journeys.map((j) => j.workflowId), now, 90), loadPortfolio(deps.pool, { customerId: request.params.id }), listUsers(deps.pool),
    ]);
    const healthNow = new Map(progress.map((p) => [p.workflowId, p.health]));
    const journeys = loaded.journeys.map((j) => ({ ...j, health: histories.get(j.workflowId) ?? [], healthNow: healthNow.get(j.workflowId) ?? null }));
    const viewer = viewerOf(request);
    const work = mayWork(request.user, { csm: loaded.customer.csm })
      ? { viewer, assignees: [...new Set([...(loaded.customer.csm ? [loaded.customer.csm] : []), ...users.filter((u) => u.role !== 'operator').map((u) => u.email)])].sort() }
      : null;
    return html(reply, renderCustomerPage(loaded.customer, journeys, now, viewer, work));
  });

  app.get<{ Params: { id: string; table: string }; Querystring: { playbook?: string; term?: string } }>('/dashboard/customers/:id/export/:table', async (request, reply) => {
    const loaded = await loadCustomer(deps, request.params.id);
    if (loaded === null) return reply.code(404).type('text/plain').send(`no customer '${request.params.id}'`);
    // The term the link names (its contract start), else the playbook's first, else the customer's first journey.
    const term = request.query.term === undefined ? null : parseInstant(request.query.term);
    const ofPlaybook = loaded.journeys.filter((j) => j.playbook === request.query.playbook);
    const journey = ofPlaybook.find((j) => j.contractStart === term) ?? ofPlaybook[0] ?? loaded.journeys[0];
    const name = request.params.table.replace(/\.csv$/, '');
    const tables = journey === undefined ? undefined : customerJourneyTables(journey, deps.clock());
    const table = tables?.[name as keyof typeof tables];
    if (table === undefined) return reply.code(404).type('text/plain').send(`no export '${name}'`);
    return csv(reply, `${request.params.id}-${journey!.playbook}-${name}`, table);
  });
}

/** Most raised risks of a book explained on the CSM's page (each rebuilds its journey from the stored events). */
const REASONS_PER_PAGE = 10;

/** The engine's reason, in words, for the first raised risks of `journeys`: `<customer>/<risk>` → text. */
async function riskReasons(deps: ApiDeps, journeys: PortfolioJourney[], now: number): Promise<Map<string, string>> {
  const reasons = new Map<string, string>();
  const raised = journeys.filter((j) => (j.report?.outcome ?? 'running') === 'running' && (j.report?.risks ?? []).some((r) => r.cleared_at === null));
  for (const journey of raised.slice(0, REASONS_PER_PAGE)) {
    const loaded = await loadCustomer(deps, journey.customerId);
    const view = loaded?.journeys.find((v) => v.workflowId === journey.workflowId);
    for (const [subject, explanation] of view?.explanations ?? []) {
      if (explanation.kind !== 'risk') continue;
      reasons.set(`${journey.customerId}/${subject}`, explanation.condition === null ? explanation.summary : `${explanation.summary}: ${explanation.condition.source}`);
    }
  }
  return reasons;
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

/** The task list; with `work`, dates in words and close/assign buttons on the rows the viewer may work. */
function tasksTable(rows: TaskRow[], work?: { now: number; viewer: Viewer | null; may: (t: TaskRow) => boolean; assignees: string[] }): TableSpec<TaskRow> {
  return {
    id: 'tasks', title: 'Tasks',
    columns: [
      { name: 'customer', value: (t) => t.customer_id }, { name: 'playbook', value: (t) => t.playbook }, { name: 'title', value: (t) => t.title },
      { name: 'assignee', value: (t) => t.assignee ?? t.assignee_role }, { name: 'priority', value: (t) => t.priority },
      { name: 'due', value: (t) => t.due_at, ...(work ? { html: (t: TaskRow) => when(t.due_at, work.now) } : {}) }, { name: 'status', value: (t) => t.status }, { name: 'source', value: (t) => t.source },
      ...(work === undefined ? [] : [{ name: 'do', value: () => '', html: (t: TaskRow) => (work.may(t) ? taskButtons(t, '/dashboard/tasks', work.viewer, work.assignees) : '') }]),
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
