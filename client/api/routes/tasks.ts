/**
 * Tasks through the API (reference §15 v2): `GET /tasks`, `POST /tasks/:task/close`
 * and `POST /tasks/:task/assign`. `:task` is the task's global id, the `id`
 * field `GET /tasks` lists (a decimal number, URL-safe as it is).
 *
 * A close is recorded durably on the task row first, then the journey is
 * asked (workflow update `closeTask` through the gateway): a crash between
 * the two loses nothing, because the delivery loop asks again for every
 * recorded close the journey has not made. The journey's answer (the task as
 * it closed it, at its clock) is what the row records. Nothing changes on a
 * 4xx: an unknown task, a missing `by`, a journey without that task.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { PageQuery } from '../query-integer.ts';
import { applyTaskCloses, assignTask, findTask, listTasks, requestTaskClose, withdrawTaskClose, type TaskRow } from '../../../store/tasks.ts';
import { describeIssues, personText, safeText } from '../bodies.ts';
import { refuseOutsideBook } from '../auth.ts';
import { findCustomer } from '../../../store/journeys.ts';
import type { ApiDeps } from '../deps.ts';
import { JourneysUnavailableError } from '../journeys-unavailable.ts';
import { closeRefusal } from '../task-close-refusals.ts';

/** Query string of `GET /tasks`. */
export const TaskListQuery = z.strictObject({
  customer: z.string().max(200).optional(),
  playbook: z.string().max(200).optional(),
  /** The assignee (reference §15). */
  csm: z.string().max(200).optional(),
  state: z.enum(['open', 'closed']).optional(),
  /** Earlier name of `state`. */
  status: z.enum(['open', 'closed']).optional(),
  /** Only open tasks past their due instant now. */
  overdue: z.enum(['true', 'false']).optional(),
  ...PageQuery,
});

/** `POST /tasks/:task/close`. `by` defaults to the signed-in person when the request has one. */
export const CloseTaskBody = z.strictObject({
  by: personText().optional(),
  note: safeText(z.string().max(2000)).default(''),
});

/** `POST /tasks/:task/assign`. */
export const AssignTaskBody = z.strictObject({ to: personText() });

/** The task's answer shape: the row, with `id` the global id. */
function taskBody(task: TaskRow): TaskRow {
  return task;
}

/** Registers the task routes. */
export function registerTaskRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const unknown = (reply: FastifyReply, id: string) => reply.code(404).send({ errors: [`no task '${id}' (ids are the 'id' field of GET /tasks)`] });
  const taskNumber = (id: string) => (/^[1-9]\d{0,15}$/.test(id) ? Number(id) : null);

  app.get('/tasks', async (request, reply) => {
    const parsed = TaskListQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send({ errors: describeIssues(parsed.error) });
    const q = parsed.data;
    const state = q.state ?? q.status;
    const tasks = await listTasks(deps.pool, {
      customerId: q.customer, playbook: q.playbook, csm: q.csm, state,
      ...(q.overdue === 'true' ? { overdueAt: deps.clock() } : {}), limit: q.limit, offset: q.offset,
    });
    return { tasks: tasks.map(taskBody) };
  });

  app.post<{ Params: { task: string } }>('/tasks/:task/close', { config: { permission: 'work', by: true, form: true } }, async (request, reply) => {
    const parsed = CloseTaskBody.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ errors: describeIssues(parsed.error) });
    // A person's own address (client/api/auth.ts sets it); the machine token must name who closed it.
    const by = parsed.data.by;
    if (by === undefined) return reply.code(400).send({ errors: ["by: who closed the task is required ('by')"] });
    const id = taskNumber(request.params.task);
    const task = id === null ? null : await findTask(deps.pool, id);
    if (task === null || id === null) return unknown(reply, request.params.task);
    if (refuseOutsideBook(request, reply, { csm: await customerCsm(deps, task.customer_id), assignee: task.assignee }, `task ${id}`)) return reply;
    if (task.status === 'closed') return taskBody(task);
    if (deps.gateway.closeTask === undefined) throw new JourneysUnavailableError('closing tasks needs the journey gateway\'s closeTask (not available in this server)');
    // Recorded first: from here a crash loses nothing (the delivery loop asks the journey again).
    const requested = await requestTaskClose(deps.pool, id, { by, note: parsed.data.note });
    if (requested === null) return taskBody((await findTask(deps.pool, id))!); // closed a moment ago
    let closed: unknown;
    try {
      closed = await deps.gateway.closeTask(task.journey_id, { task: task.task_id, by, note: parsed.data.note });
    } catch (err) {
      // Refused, the close can never be made: its request goes, and the answer says why.
      const refusal = closeRefusal(err);
      if (refusal !== null) {
        await withdrawTaskClose(deps.pool, id);
        return refusal.kind === 'unknown-task'
          ? reply.code(409).send({ errors: [`journey ${task.journey_id} has no task '${task.task_id}' to close (a journey on a version-1 playbook keeps no tasks)`] })
          : reply.code(400).send({ errors: [`journey ${task.journey_id} refused the close: ${refusal.message}`] });
      }
      throw new JourneysUnavailableError(
        `the close of task ${id} is recorded and will reach journey ${task.journey_id} when Temporal answers (${(err as Error).message})`, { cause: err });
    }
    // The journey's own answer: the task as it closed it (at its clock; `done` or an earlier reason).
    const entry = closed as { id?: string; closed_at?: string | null; closed_because?: string | null } | null;
    if (entry?.closed_at) {
      await applyTaskCloses(deps.pool, task.journey_id, [{
        taskId: task.task_id, at: Date.parse(entry.closed_at), reason: entry.closed_because ?? 'done',
        ...(entry.closed_because === 'done' || entry.closed_because === undefined ? { by, note: parsed.data.note } : {}),
      }]);
    }
    return taskBody((await findTask(deps.pool, id))!);
  });

  app.post<{ Params: { task: string } }>('/tasks/:task/assign', { config: { permission: 'work', form: true } }, async (request, reply) => {
    const parsed = AssignTaskBody.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ errors: describeIssues(parsed.error) });
    const id = taskNumber(request.params.task);
    const current = id === null ? null : await findTask(deps.pool, id);
    if (current === null || id === null) return unknown(reply, request.params.task);
    if (refuseOutsideBook(request, reply, { csm: await customerCsm(deps, current.customer_id), assignee: current.assignee }, `task ${id}`)) return reply;
    const task = await assignTask(deps.pool, id, parsed.data.to);
    if (task === null) return unknown(reply, request.params.task);
    return taskBody(task);
  });
}

/** The CSM of a task's customer (whose book it is in). */
async function customerCsm(deps: ApiDeps, customerId: string): Promise<string | null> {
  return (await findCustomer(deps.pool, customerId))?.csm ?? null;
}
