/**
 * `milepost enrol`, `event` and `status` as clients of the HTTP API, run
 * in-process against a real API server on loopback and real Postgres: what
 * they send lands in the store (customers, journeys, customer_events) before
 * the journeys hear of it, and the API's refusals come out as one line each
 * with exit 1 (bad input) or 2 (no token, refused token, API unreachable).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts, TOKEN } from '../api/support/server.ts';
import { runCli, startApiFixture, type ApiFixture } from './support/cli-against-api.ts';

let fixture: ApiFixture;
let dir: string;

beforeAll(async () => {
  fixture = await startApiFixture();
  dir = await mkdtemp(join(tmpdir(), 'milepost-cli-api-'));
});
afterAll(async () => {
  await fixture?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string> = { MILEPOST_API_TOKEN: TOKEN }) => runCli(args, dir, env);

/** A timeline-style customer file (reference §11) for the `onboarding` playbook of tests/api/support/playbook.ts. */
async function customerFile(id: string, extra: { tier?: string; arr?: string; events?: string } = {}): Promise<string> {
  const file = `${id}.yaml`;
  await writeFile(join(dir, file), `customer:
  id: ${id}
  name: Clinic ${id}
  tier: ${extra.tier ?? 'growth'}
  arr: ${extra.arr ?? '24000'}
  csm: ada@example.com
  signed_on: 2026-01-10
contract:
  start: 2026-01-31
  end: 2027-01-31
${extra.events ?? ''}`);
  return file;
}

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe('milepost enrol', () => {
  it('stores the customer and the journey through POST /customers, then the journey starts; again is harmless', async () => {
    const file = await customerFile('acme');
    const first = await cli(['enrol', 'onboarding', file, '--api', fixture.api.base]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^enrolled acme in onboarding \(journey:onboarding:acme, sha256:/);
    const customer = await fixture.db.pool.query(`SELECT attrs FROM customers WHERE id = 'acme'`);
    expect(customer.rows[0].attrs).toMatchObject({ name: 'Clinic acme', tier: 'growth', arr: 24000, csm: 'ada@example.com' });
    const journey = await fixture.db.pool.query(`SELECT workflow_id, playbook, contract_start, contract_end FROM journeys WHERE customer_id = 'acme'`);
    expect(journey.rows).toEqual([{ workflow_id: 'journey:onboarding:acme', playbook: 'onboarding', contract_start: new Date('2026-01-31T00:00:00Z'), contract_end: new Date('2027-01-31T00:00:00Z') }]);
    expect(fixture.gateway.enrolled).toContain('journey:onboarding:acme');

    const before = await rowCounts(fixture.db.pool);
    const again = await cli(['enrol', 'onboarding', file, '--api', fixture.api.base, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ workflow_id: 'journey:onboarding:acme', customer: 'acme', already_enrolled: true });
    expect(await rowCounts(fixture.db.pool)).toEqual(before);
    expect(fixture.gateway.enrolled.filter((w) => w === 'journey:onboarding:acme')).toHaveLength(1);
  });

  it('with --with-events stores the file\'s events as history (ids made up stably), and --enrolled-at is kept', async () => {
    const file = await customerFile('hist', { events: `events:
  - { at: 2026-02-20T09:30:00Z, type: activated }
  - { at: 2026-02-02, type: ticket_opened, data: { category: ops, severity: 1, urgent: false } }
  - { at: 2026-02-02, type: ticket_opened, data: { category: ops, severity: 1, urgent: false } }
` });
    const result = await cli(['enrol', 'onboarding', file, '--with-events', '--enrolled-at', '2026-03-01', '--api', fixture.api.base]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const { rows } = await fixture.db.pool.query(`SELECT type, at, data FROM customer_events WHERE customer_id = 'hist' ORDER BY at, event_id`);
    expect(rows).toEqual([
      { type: 'ticket_opened', at: new Date('2026-02-02T00:00:00Z'), data: { category: 'ops', severity: 1, urgent: false } },
      { type: 'ticket_opened', at: new Date('2026-02-02T00:00:00Z'), data: { category: 'ops', severity: 1, urgent: false } },
      { type: 'activated', at: new Date('2026-02-20T09:30:00Z'), data: {} },
    ]);
    const journey = await fixture.db.pool.query(`SELECT enrolled_at FROM journeys WHERE customer_id = 'hist'`);
    expect(journey.rows[0].enrolled_at).toEqual(new Date('2026-03-01T00:00:00Z'));
    expect(fixture.gateway.enrolmentEvents.get('journey:onboarding:hist')!.map((e) => e.type)).toEqual(['ticket_opened', 'ticket_opened', 'activated']);
  });

  it('takes a playbook file and enrols in the deployed playbook of that id', async () => {
    await writeFile(join(dir, 'onboarding.yaml'), `playbook: onboarding
title: Onboarding (local copy)
customer: { csm: string }
events:
  activated: {}
milestones:
  - id: activation
    title: Activated
    due: month 1
    done_when: happened(activated)
`);
    const result = await cli(['enrol', 'onboarding.yaml', await customerFile('fromfile'), '--api', fixture.api.base]);
    expect(result.code).toBe(0);
    const { rows } = await fixture.db.pool.query(`SELECT playbook FROM journeys WHERE customer_id = 'fromfile'`);
    expect(rows).toEqual([{ playbook: 'onboarding' }]);
  });

  it('prints each of the API\'s errors on its own line and exits 1 on a customer that does not match; nothing is stored', async () => {
    const file = await customerFile('badtier', { tier: 'gold', arr: 'lots' });
    const before = await rowCounts(fixture.db.pool);
    const result = await cli(['enrol', 'onboarding', file, '--api', fixture.api.base]);
    expect(result.code).toBe(1);
    const lines = result.err.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^milepost enrol: /);
    expect(lines.some((l) => /tier/.test(l))).toBe(true);
    expect(lines.some((l) => /arr/.test(l))).toBe(true);
    expect(await rowCounts(fixture.db.pool)).toEqual(before);
  });

  it('exits 1 for a playbook that is not deployed', async () => {
    const result = await cli(['enrol', 'renewals', await customerFile('nopb'), '--api', fixture.api.base]);
    expect(result.code).toBe(1);
    expect(result.err).toBe("milepost enrol: unknown playbook 'renewals' (not deployed)\n");
  });
});

describe('milepost event', () => {
  it('stores the event through POST /events before it is signalled; the same --id again is a duplicate', async () => {
    await cli(['enrol', 'onboarding', await customerFile('evt'), '--api', fixture.api.base]);
    const args = ['event', 'evt', 'ticket_opened', '--at', '2026-02-03T10:00:00Z', '--data', '{"category":"billing","severity":2,"urgent":true}', '--id', 'cli-e1', '--api', fixture.api.base];
    const first = await cli(args);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toBe('stored ticket_opened at 2026-02-03T10:00:00.000Z for evt (id cli-e1)\n');
    // Stored when the 202 came; delivered by the server's delivery loop after it.
    await fixture.api.settle();
    const { rows } = await fixture.db.pool.query(`SELECT customer_id, type, at, data, signalled_at IS NOT NULL AS signalled FROM customer_events WHERE event_id = 'cli-e1'`);
    expect(rows).toEqual([{ customer_id: 'evt', type: 'ticket_opened', at: new Date('2026-02-03T10:00:00Z'), data: { category: 'billing', severity: 2, urgent: true }, signalled: true }]);
    expect(fixture.gateway.delivered.filter((d) => d.event.id === 'cli-e1').map((d) => [d.playbook, d.customerId])).toEqual([['onboarding', 'evt']]);

    const again = await cli(args);
    expect(again.code).toBe(0);
    expect(again.out).toBe('event cli-e1 was already stored; not applied again\n');
    await fixture.api.settle();
    expect(fixture.gateway.delivered.filter((d) => d.event.id === 'cli-e1')).toHaveLength(1);
  });

  it('makes up an id when none is given, and still takes the older form with a playbook file first', async () => {
    const result = await cli(['event', 'onboarding.yaml', 'evt', 'activated', '--json', '--api', fixture.api.base]);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/the playbook file is not needed/);
    const answer = JSON.parse(result.out) as { id: string; accepted: number; duplicates: number };
    expect(answer).toMatchObject({ accepted: 1, duplicates: 0 });
    const { rows } = await fixture.db.pool.query(`SELECT type FROM customer_events WHERE event_id = $1`, [answer.id]);
    expect(rows).toEqual([{ type: 'activated' }]);
  });

  it('exits 1 with one line naming the event when the API refuses it; it is kept as rejected, not stored', async () => {
    const before = await rowCounts(fixture.db.pool);
    const result = await cli(['event', 'evt', 'ticket_opened', '--data', '{"severity":"high"}', '--id', 'cli-bad', '--api', fixture.api.base]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^milepost event: events\[0\] \(cli-bad\): .*severity/);
    expect(result.err.trimEnd().split('\n')).toHaveLength(1);
    const after = await rowCounts(fixture.db.pool);
    expect(after.customer_events).toBe(before.customer_events);
    expect(after.rejected_events).toBe(before.rejected_events! + 1);
  });

  it('exits 1 for a customer that is not enrolled', async () => {
    const result = await cli(['event', 'nobody', 'activated', '--api', fixture.api.base]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^milepost event: events\[0\] .*nobody/);
  });
});

describe('milepost status', () => {
  it('lists the customer\'s journeys from the store and prints each one\'s report from the API', async () => {
    const text = await cli(['status', 'acme', '--api', fixture.api.base]);
    expect(text.err).toBe('');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^acme · onboarding \(sha256:[0-9a-f]{12}\) · running\n/);
    const json = await cli(['status', 'acme', '--playbook', 'onboarding', '--json', '--api', fixture.api.base]);
    expect(json.code).toBe(0);
    const reports = JSON.parse(json.out);
    // reference §12's keys, in its order.
    expect(reports.map((r: object) => Object.keys(r))).toEqual([['playbook', 'customer', 'until', 'outcome', 'milestones', 'actions', 'risks']]);
    expect(reports[0]).toMatchObject({ playbook: 'onboarding', customer: 'acme', outcome: 'running' });
  });

  it('exits 1 for a customer with no journey', async () => {
    const result = await cli(['status', 'nobody', '--api', fixture.api.base]);
    expect(result.code).toBe(1);
    expect(result.err).toBe("milepost status: customer 'nobody' is not enrolled in any playbook\n");
  });
});

describe('reaching the API', () => {
  it('exits 2 with a clear line when MILEPOST_API_TOKEN is not set, before sending anything', async () => {
    for (const args of [['enrol', 'onboarding', 'acme.yaml'], ['event', 'acme', 'activated'], ['status', 'acme']]) {
      const result = await cli([...args, '--api', fixture.api.base], {});
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/^milepost \w+: set MILEPOST_API_TOKEN/);
    }
  });

  it('exits 2 when the token is refused', async () => {
    const result = await cli(['status', 'acme', '--api', fixture.api.base], { MILEPOST_API_TOKEN: 'wrong' });
    expect(result.code).toBe(2);
    expect(result.err).toBe('milepost status: the API refused the token (check MILEPOST_API_TOKEN)\n');
  });

  it('exits 2 when nothing answers, and finds the API on MILEPOST_PORT without --api', async () => {
    const port = await closedPort();
    const down = await cli(['event', 'acme', 'activated'], { MILEPOST_API_TOKEN: TOKEN, MILEPOST_PORT: String(port) });
    expect(down.code).toBe(2);
    expect(down.err).toBe(`milepost event: cannot reach the API at http://127.0.0.1:${port}: ECONNREFUSED\n`);
    const up = await cli(['status', 'acme'], { MILEPOST_API_TOKEN: TOKEN, MILEPOST_PORT: new URL(fixture.api.base).port });
    expect(up.code).toBe(0);
  });
});
