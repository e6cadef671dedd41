/**
 * `milepost task list|close|assign`: the tasks journeys opened, through the
 * running API (data's routes, reference §15 v2):
 *
 * - `task list [--customer <id>] [--playbook <id>] [--csm <email>] [--state open|closed] [--overdue] [--limit <n>] [--json]`
 *   → `GET /tasks`;
 * - `task close <id> [--note <text>] [--by <email>]` → `POST /tasks/<id>/close`:
 *   recorded, then closed by the journey at its clock (`by` defaults to the
 *   signed-in person the token names);
 * - `task assign <id> <email>` → `POST /tasks/<id>/assign`.
 *
 * `<id>` is the `id` column of `task list` (the API's global task id).
 */
import { UsageError, type Command, type CommandIO } from '../command.ts';
import { reportApiFailure, withApi } from '../api-client.ts';
import { parseCommandLine } from '../arguments.ts';

/** A row of `GET /tasks` (store/tasks.ts `TaskRow`, as JSON). */
interface TaskRow {
  id: number;
  task_id: string;
  customer_id: string;
  playbook: string;
  title: string;
  assignee_role: string;
  assignee: string | null;
  priority: string;
  status: string;
  due_at: string | null;
  closed_at: string | null;
  closed_because: string | null;
  closed_by: string | null;
}

const USAGE = [
  'milepost task list [--customer <id>] [--playbook <id>] [--csm <email>] [--state open|closed] [--overdue] [--limit <n>] [--json] [--api <url>]',
  '       milepost task close <task id> [--note <text>] [--by <email>] [--json] [--api <url>]',
  '       milepost task assign <task id> <email> [--json] [--api <url>]',
].join('\n');

const task: Command = {
  summary: 'list, close or assign the tasks journeys opened, through the API',
  usage: USAGE,
  uses: ['api'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      customer: { type: 'string' },
      playbook: { type: 'string' },
      csm: { type: 'string' },
      state: { type: 'string' },
      overdue: { type: 'boolean', default: false },
      limit: { type: 'string' },
      note: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean', default: false },
      api: { type: 'string' },
    });
    const [action, ...args] = positionals;
    if (action === 'list') {
      if (args.length > 0) throw new UsageError(`task list takes no arguments (got '${args[0]}')`);
      if (values.state !== undefined && values.state !== 'open' && values.state !== 'closed') throw new UsageError(`--state must be open or closed, got '${values.state}'`);
      if (values.limit !== undefined && !/^[1-9]\d*$/.test(values.limit)) throw new UsageError(`--limit must be a whole number, got '${values.limit}'`);
      return withApi(io, 'task', values.api, async (api) => {
        const response = await api.request('/tasks', {
          query: {
            customer: values.customer, playbook: values.playbook, csm: values.csm, state: values.state,
            overdue: values.overdue ? 'true' : undefined, limit: values.limit,
          },
        });
        if (response.status !== 200) return reportApiFailure(io, 'task', response);
        const { tasks } = response.body as { tasks: TaskRow[] };
        if (values.json) io.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`);
        else printTasks(io, tasks);
        return 0;
      });
    }
    if (action === 'close' || action === 'assign') {
      const wanted = action === 'close' ? 1 : 2;
      if (args.length !== wanted) throw new UsageError(action === 'close' ? 'name one task id (the id column of task list)' : 'name a task id and the email of the person to assign it to');
      const id = args[0]!;
      if (!/^[1-9]\d*$/.test(id)) throw new UsageError(`a task id is a number (the id column of task list), got '${id}'`);
      const body = action === 'close'
        ? { ...(values.by === undefined ? {} : { by: values.by }), ...(values.note === undefined ? {} : { note: values.note }) }
        : { to: args[1]! };
      return withApi(io, 'task', values.api, async (api) => {
        const response = await api.request(`/tasks/${id}/${action}`, { json: body });
        if (response.status !== 200) return reportApiFailure(io, 'task', response);
        const row = response.body as TaskRow;
        if (values.json) io.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
        else if (action === 'close') io.stdout.write(`task ${row.id} (${row.title}, ${row.customer_id}): ${row.status === 'closed' ? `closed ${row.closed_at ?? ''} (${row.closed_because ?? 'done'}${row.closed_by ? ` by ${row.closed_by}` : ''})` : 'close recorded; the journey has not closed it yet'}\n`);
        else io.stdout.write(`task ${row.id} (${row.title}, ${row.customer_id}) is assigned to ${row.assignee ?? '-'}\n`);
        return 0;
      });
    }
    throw new UsageError(action === undefined ? 'say list, close or assign' : `unknown task action '${action}' (list, close or assign)`);
  },
};

/** The tasks as an aligned table. */
function printTasks(io: CommandIO, tasks: TaskRow[]): void {
  if (tasks.length === 0) {
    io.stdout.write('no tasks\n');
    return;
  }
  const rows = tasks.map((t) => [
    String(t.id), t.status, t.priority, t.due_at?.slice(0, 10) ?? '-', t.customer_id, t.assignee ?? t.assignee_role, t.title,
  ]);
  const header = ['id', 'state', 'priority', 'due', 'customer', 'assignee', 'title'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  io.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

export default task;
