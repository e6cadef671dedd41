/**
 * Faults mid-load under `npm start` (issue 14): while complaints stream in
 * through `POST /events`, the worker, the API (which runs the delivery loop)
 * and the Temporal dev server are each killed with SIGKILL and come back
 * under supervision. Afterwards every event that was answered 202 was
 * delivered exactly once: each complaint opens one task through the real
 * workflow (trigger complaint_sla), so the tasks are exactly the complaints,
 * none missing and none twice, and nothing waits for delivery.
 *
 * A request cut off by a kill is sent again with the same id until it gets
 * its 202 (the id is the idempotency key), as an integration would.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/temporal/binaries.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childPid, npmStart, until, type NpmStart } from './support/npm-start.ts';

const TOKEN = 'faults-test-token';
const CUSTOMERS = ['f1', 'f2', 'f3', 'f4'];
const DAY = 86_400_000;

describe('npm start under faults', () => {
  const home = mkdtempSync(join(tmpdir(), 'milepost-faults-'));
  let started: NpmStart | undefined;
  afterAll(() => {
    started?.kill();
    rmSync(home, { recursive: true, force: true });
  });

  it('delivers every 202 event exactly once and opens every task once while the worker, the API and the dev server are killed', async () => {
    started = await npmStart(home, TOKEN);
    const { api, output } = started;
    const supervisor = started.stack().pid;
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const now = Date.now();
    for (const id of CUSTOMERS) {
      const response = await fetch(`${api}/customers`, {
        method: 'POST', headers,
        body: JSON.stringify({
          playbook: 'clinic-first-year',
          customer: { id, name: `Clinic ${id}`, segment: 'clinic', tier: 'growth', arr: 12000, csm: 'ada@example.com', manager: 'max@example.com' },
          contract: { start: new Date(now - 10 * DAY).toISOString(), end: new Date(now + 355 * DAY).toISOString() },
        }),
      });
      expect(response.status, await response.text()).toBe(201);
    }

    // The load: one complaint at a time, each retried with its id until it is answered 202.
    const accepted: string[] = [];
    let sending = true;
    let n = 0;
    const load = (async () => {
      while (sending) {
        const id = `complaint-${n}`;
        const body = JSON.stringify({ id, customer: CUSTOMERS[n % CUSTOMERS.length], type: 'complaint', at: new Date().toISOString(), data: { severity: 3 } });
        n += 1;
        for (;;) {
          const status = await fetch(`${api}/events`, { method: 'POST', headers, body }).then((r) => r.status, () => 0);
          if (status === 202) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        accepted.push(id);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    /** Waits until 10 more events than now have been accepted. */
    const tenMore = (what: string) => {
      const target = accepted.length + 10;
      return until(what, async () => (accepted.length >= target ? true : undefined), 180_000, output);
    };

    // Each part killed mid-load, then given time to come back while events keep arriving.
    for (const part of ['worker', 'serve', 'temporal'] as const) {
      await tenMore(`load before killing ${part}`);
      const pid = childPid(supervisor, part);
      expect(pid, `${part} pid`).toBeDefined();
      process.kill(pid!, 'SIGKILL');
      const name = part === 'serve' ? 'api' : part;
      await until(`${name} restarted`, async () => (output().split(`milepost: ${name} restarted`).length > 1 ? true : undefined), 120_000, output);
      await tenMore(`load after ${name} restarted`);
    }
    sending = false;
    await load;
    expect(accepted.length).toBeGreaterThan(30);

    // Every accepted complaint ends as exactly one task; nothing is left waiting.
    const complaintTasks = async () => {
      const tasks: Array<{ source: string; customer_id: string; task_id: string }> = [];
      for (const customer of CUSTOMERS) {
        const response = await fetch(`${api}/tasks?customer=${customer}&limit=1000`, { headers });
        tasks.push(...((await response.json()) as { tasks: typeof tasks }).tasks.filter((t) => t.source === 'trigger/complaint_sla/0'));
      }
      return tasks;
    };
    await until('a task for every complaint', async () => ((await complaintTasks()).length >= accepted.length ? true : undefined), 180_000, output);
    // A while later still exactly one each: no late duplicate.
    await new Promise((r) => setTimeout(r, 5000));
    const tasks = await complaintTasks();
    expect(tasks).toHaveLength(accepted.length);
    expect(new Set(tasks.map((t) => `${t.customer_id} ${t.task_id}`)).size).toBe(accepted.length);
    const backlog = await (await fetch(`${api}/events/backlog`, { headers })).json() as { waiting: number };
    expect(backlog.waiting).toBe(0);
    expect(started.npm.exitCode).toBeNull();

    // Issue 14's first finding, on the same stack: `milepost deploy --migrate` from the CLI, with nothing
    // in its environment, reaches the running stack's database and Temporal and moves its journeys.
    const edited = join(home, 'clinic-first-year.yaml');
    writeFileSync(edited, readFileSync(join(ROOT, 'playbooks/clinic-first-year.yaml'), 'utf8').replace('reached {{milestone.title}}', 'has reached {{milestone.title}}'));
    // The playbook's reminders name template files, looked up beside it.
    cpSync(join(ROOT, 'playbooks/templates'), join(home, 'templates'), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, MILEPOST_HOME: home };
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'MILEPOST_API_URL', 'MILEPOST_API_TOKEN'] as const) delete env[name];
    const deployed = await promisify(execFile)(process.execPath, [join(ROOT, 'client/bin/milepost.js'), 'deploy', edited, '--migrate', '--by', 'faults-test'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(deployed.stderr).toMatch(/^milepost deploy: acting on the stack of npm start \(pid \d+, .*stack\.json\): database embedded PGlite served at 127\.0\.0\.1:\d+; Temporal 127\.0\.0\.1:\d+\/default\n/);
    expect(deployed.stdout).toContain('deployed clinic-first-year version 2');
    expect(deployed.stdout).toContain(`migrated ${CUSTOMERS.length} of ${CUSTOMERS.length} running journeys`);
  }, 900_000);
});
