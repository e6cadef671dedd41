/**
 * `milepost task list|close|assign` through the running API (issue 15's new
 * command; data's routes `GET /tasks`, `POST /tasks/:id/close`,
 * `POST /tasks/:id/assign`), against a real API server and Postgres.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FiredAction } from '../../workflows/engine/types.ts';
import { insertTasks } from '../../store/tasks.ts';
import { TOKEN } from '../api/support/server.ts';
import { runCli, startApiFixture, type ApiFixture } from './support/cli-against-api.ts';

let fixture: ApiFixture;
let dir: string;
const closes: Array<{ journeyId: string; task: string; by: string; note: string }> = [];

beforeAll(async () => {
  fixture = await startApiFixture();
  dir = await mkdtemp(join(tmpdir(), 'milepost-cli-task-'));
  // The journey answers a close as shell's closeTask update does: the entry, closed `done` at its clock.
  fixture.gateway.closeTask = async (journeyId, close) => {
    closes.push({ journeyId, ...close });
    return { id: close.task, closed_at: '2026-02-10T00:00:00.000Z', closed_because: 'done' };
  };
  await writeFile(join(dir, 'acme.yaml'), `customer:
  id: acme
  name: Clinic acme
  tier: growth
  arr: 24000
  csm: ada@example.com
  signed_on: 2026-01-10
contract:
  start: 2026-01-31
  end: 2027-01-31
`);
  const enrolled = await cli(['enrol', 'onboarding', 'acme.yaml']);
  expect(enrolled.code).toBe(0);
  const task = {
    kind: 'open_task', source: 'milestone/activation/step/0', at: Date.parse('2026-02-03T00:00:00Z'), key: 'milestone/activation/step/0@2026-02-03T00:00:00.000Z',
    taskId: 'milestone/activation/step/0@2026-02-03T00:00:00.000Z', title: 'Call Clinic acme', to: 'csm', recipient: 'ada@example.com',
    priority: 'high', dueAt: Date.parse('2026-02-05T00:00:00Z'),
  } as unknown as FiredAction;
  await insertTasks(fixture.db.pool, { journeyId: 'journey:onboarding:acme', customerId: 'acme', playbook: 'onboarding', playbookHash: 'sha256:x' }, [task]);
});
afterAll(async () => {
  await fixture?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli([...args, '--api', fixture.api.base], dir, { MILEPOST_API_TOKEN: TOKEN });

describe('milepost task', () => {
  let id: string;

  it('lists the tasks as a table (and as JSON), with the filters the API takes', async () => {
    const json = await cli(['task', 'list', '--customer', 'acme', '--json']);
    expect(json.code).toBe(0);
    const tasks = JSON.parse(json.out) as Array<{ id: number; title: string; status: string }>;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ title: 'Call Clinic acme', status: 'open' });
    id = String(tasks[0]!.id);
    const table = await cli(['task', 'list', '--customer=acme', '--state', 'open']);
    expect(table.code).toBe(0);
    const [header, row] = table.out.trimEnd().split('\n');
    expect(header).toMatch(/^id\s+state\s+priority\s+due\s+customer\s+assignee\s+title$/);
    expect(row).toMatch(new RegExp(`^${id}\\s+open\\s+high\\s+2026-02-05\\s+acme\\s+ada@example\\.com\\s+Call Clinic acme$`));
    expect((await cli(['task', 'list', '--state', 'closed'])).out).toBe('no tasks\n');
  });

  it('assigns a task to someone else', async () => {
    const r = await cli(['task', 'assign', id, 'bo@example.com']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`task ${id} (Call Clinic acme, acme) is assigned to bo@example.com\n`);
  });

  it('closes a task through the journey and prints how it closed', async () => {
    const r = await cli(['task', 'close', id, '--by', 'ada@example.com', '--note', 'called them']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^task ${id} \\(Call Clinic acme, acme\\): closed 2026-02-10T00:00:00\\.000Z \\(done by ada@example\\.com\\)\\n$`));
    expect(closes).toEqual([{ journeyId: 'journey:onboarding:acme', task: 'milestone/activation/step/0@2026-02-03T00:00:00.000Z', by: 'ada@example.com', note: 'called them' }]);
  });

  it('refuses a malformed id as wrong usage (exit 2) and an unknown one with the API\'s reason (exit 1)', async () => {
    const malformed = await cli(['task', 'close', 'abc']);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/^milepost task: a task id is a number/);
    const unknown = await cli(['task', 'close', '987654', '--by', 'ada@example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^milepost task: no task '987654'/);
    expect((await cli(['task', 'frobnicate'])).code).toBe(2);
  });
});
