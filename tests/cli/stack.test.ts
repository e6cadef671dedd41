/**
 * The CLI acts on the stack it belongs to (issue 14 item 1). A stack
 * published in a state folder's `stack.json` (as `npm start` does) is what
 * `deploy`, `plan`, `report`, `enrol`, `import`... use when the command line
 * and the environment name nothing: the deployed playbook is one the running
 * API can enrol in (on main it went into a second copy of the embedded
 * database and enrolling said "unknown playbook"). Each command says which
 * stack it acted on. `import` shows rate and ETA and resumes after an
 * interruption (issue 14 item 3).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStackState, type StackState } from '../../client/cli/stack.ts';
import { TOKEN } from '../api/support/server.ts';
import { runCli, startApiFixture, type ApiFixture } from './support/cli-against-api.ts';

let fixture: ApiFixture;
let dir: string;
let home: string;

const PLAYBOOK = `playbook: vip-accounts
title: VIP accounts
customer: { csm: string, tier: string }
events:
  activated: {}
milestones:
  - id: activation
    title: Activated
    due: month 1
    done_when: happened(activated)
`;

const CUSTOMER = `customer:
  id: vip-1
  csm: ada@example.com
  tier: gold
contract:
  start: 2026-01-31
  end: 2027-01-31
`;

function stackState(overrides: Partial<StackState> = {}): StackState {
  return {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    home,
    api: { url: fixture.api.base, token: TOKEN },
    database: { url: fixture.db.url, embedded: false },
    temporal: { address: '127.0.0.1:1', namespace: 'default', ui: null, searchAttributes: false },
    ...overrides,
  };
}

beforeAll(async () => {
  fixture = await startApiFixture();
  dir = await mkdtemp(join(tmpdir(), 'milepost-cli-stack-'));
  // A project folder with its state folder, as `npm start` leaves it; commands run in a subfolder.
  home = join(dir, '.milepost');
  await mkdir(join(dir, 'playbooks'), { recursive: true });
  await mkdir(home);
  await writeFile(join(dir, 'playbooks', 'vip.yaml'), PLAYBOOK);
  await writeFile(join(dir, 'playbooks', 'vip-1.yaml'), CUSTOMER);
  writeStackState(home, stackState());
});
afterAll(async () => {
  await fixture?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The CLI in the project's `playbooks/` folder with nothing in the environment. */
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, join(dir, 'playbooks'), env);

describe('the CLI on the running stack (#14)', () => {
  it('deploys into the database the running API reads, so enrolling in the new playbook works at once', async () => {
    const deployed = await cli(['deploy', 'vip.yaml']);
    expect(deployed.err).toBe('');
    expect(deployed.code).toBe(0);
    expect(deployed.out).toMatch(/deployed vip-accounts version 1/);
    expect(deployed.stack).toBe(`the stack of npm start (pid ${process.pid}, ${join(home, 'stack.json')}): database ${fixture.db.url.replace(/^postgres:\/\/[^@]*@/, '').replace(/\/.*$/, '')}; Temporal 127.0.0.1:1/default`);
    const { rows } = await fixture.db.pool.query(`SELECT version FROM playbook_versions WHERE playbook = 'vip-accounts'`);
    expect(rows).toHaveLength(1);

    const enrolled = await cli(['enrol', 'vip-accounts', 'vip-1.yaml']);
    expect(enrolled.err).toBe('');
    expect(enrolled.code).toBe(0);
    expect(enrolled.out).toMatch(/^enrolled vip-1 in vip-accounts/);
    expect(enrolled.stack).toMatch(new RegExp(`^the stack of npm start \\(pid ${process.pid}, .*\\): API ${fixture.api.base.replace(/[.]/g, '\\.')}$`));
    expect(fixture.gateway.enrolled).toContain('journey:vip-accounts:vip-1');
  });

  it('plans and reports on the same database (the report counts the journeys the server holds)', async () => {
    const plan = await cli(['plan', 'vip.yaml']);
    expect(plan.code).toBe(0);
    expect(plan.out).toMatch(/No changes/);
    const report = await cli(['report', '--json']);
    expect(report.code).toBe(0);
    const { rows } = await fixture.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM journeys');
    expect((JSON.parse(report.out) as { journeys: number }).journeys).toBe(rows[0]!.n);
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('lets the command line and the environment win over the published stack, and says so', async () => {
    const status = await cli(['status', 'vip-1', '--api', 'http://127.0.0.1:9']);
    expect(status.code).toBe(2);
    expect(status.stack).toMatch(/: API http:\/\/127\.0\.0\.1:9 \(--api\)$/);
    const env = await cli(['status', 'vip-1'], { MILEPOST_API_URL: 'http://127.0.0.1:9' });
    expect(env.stack).toMatch(/: API http:\/\/127\.0\.0\.1:9 \(MILEPOST_API_URL\)$/);
    // The token still comes from the stack: the refusal is "unreachable", not "set MILEPOST_API_TOKEN".
    expect(env.err).toMatch(/cannot reach the API at http:\/\/127\.0\.0\.1:9/);
  });

  it('ignores a stack whose npm start is gone, and says so', async () => {
    const other = await mkdtemp(join(tmpdir(), 'milepost-cli-stale-'));
    try {
      await mkdir(join(other, '.milepost'));
      // A pid far above any Linux pid_max default: no such process.
      writeStackState(join(other, '.milepost'), { ...stackState(), pid: 4_194_000 });
      const r = await runCli(['status', 'vip-1'], other, { MILEPOST_API_TOKEN: TOKEN, MILEPOST_PORT: '9' });
      expect(r.stack).toBe(`no running stack (${join(other, '.milepost', 'stack.json')} is stale: process 4194000 is gone): API http://127.0.0.1:9 (default)`);
      expect(r.code).toBe(2);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('milepost import (#14: rate, ETA, resume)', () => {
  const HEADER = 'id,contract_start,contract_end,name,tier,arr,csm,signed_on';
  const csv = (ids: string[]) => `${HEADER}\n${ids.map((id) => `${id},2026-01-31,2027-01-31,Clinic ${id},growth,12000,ada@example.com,2026-01-10`).join('\n')}\n`;

  it('shows rate and ETA, and run again after an interruption enrols only the rest', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `imp${i}`);
    await writeFile(join(dir, 'playbooks', 'book.csv'), csv(ids));
    const env = { MILEPOST_IMPORT_CHUNK_ROWS: '4' };
    // Temporal goes away after the 6th enrolment: the second chunk fails half-way.
    const enrol = fixture.gateway.enrol.bind(fixture.gateway);
    let starts = 0;
    fixture.gateway.enrol = async (input) => {
      starts += 1;
      if (starts > 5) throw new Error('temporal unreachable (test)');
      return enrol(input);
    };
    const first = await cli(['import', 'book.csv', '--playbook', 'onboarding'], env);
    expect(first.code).not.toBe(0);
    expect(first.err).toMatch(/checked 10\/10 \(\d+(\.\d)?\/s\)/);
    expect(first.err).toMatch(/enrolled 4\/10 \(\d+(\.\d)?\/s, ETA \d+ s\)/);
    expect(first.err).toContain('stopped after 4 rows; run the same import again to resume from there');
    expect(existsSync(join(home, 'imports'))).toBe(true);

    fixture.gateway.enrol = enrol;
    const before = fixture.gateway.enrolled.length;
    const second = await cli(['import', 'book.csv', '--playbook', 'onboarding'], env);
    expect(second.code).toBe(0);
    expect(second.err).toContain('resuming after row 4 of 10');
    expect(second.err).toContain('enrolled 10/10');
    expect(second.out).toMatch(/, 4 done by the earlier run, in onboarding/);
    // The first chunk was not sent again; every customer is enrolled once.
    expect(fixture.gateway.enrolled.length - before).toBe(5);
    for (const id of ids) expect(fixture.gateway.enrolled.filter((w) => w === `journey:onboarding:${id}`)).toHaveLength(1);

    // Done: the checkpoint is gone, so the same import again sends every row (all already enrolled).
    const third = await cli(['import', 'book.csv', '--playbook', 'onboarding'], env);
    expect(third.code).toBe(0);
    expect(third.out).toMatch(/0 enrolled, 10 already enrolled, in onboarding/);
  });
});
