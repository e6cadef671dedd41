/**
 * `milepost user add|list|token` (issue 15's new command) on a real
 * database through dash's store/users.ts: the personal token printed once,
 * alone on stdout; refusals with their reason.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByToken } from '../../store/users.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { runCli } from './support/cli-against-api.ts';

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'milepost-cli-user-'));
});
afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(args, dir, { DATABASE_URL: db.url });

describe('milepost user', () => {
  it('adds a user and prints their personal token once, alone on stdout', async () => {
    const r = await cli(['user', 'add', 'Ada@Example.com', '--role', 'csm']);
    expect(r.code).toBe(0);
    expect(r.stack).toMatch(/: database .* \(DATABASE_URL\)$/);
    expect(r.err).toBe('milepost user: added ada@example.com (csm); their personal token, shown once:\n');
    expect(r.out).toMatch(/^mp_[\w-]{20,}\n$/);
    expect(await findUserByToken(db.pool, r.out.trim())).toMatchObject({ email: 'ada@example.com', role: 'csm' });
    const list = await cli(['user', 'list']);
    expect(list.out).toBe('csm       ada@example.com\n');
  });

  it('refuses an address that exists (exit 1) and a role that is not one (exit 2, naming the roles)', async () => {
    const again = await cli(['user', 'add', 'ada@example.com', '--role=manager']);
    expect(again.code).toBe(1);
    expect(again.err).toBe('milepost user: a user ada@example.com already exists\n');
    const role = await cli(['user', 'add', 'bo@example.com', '--role', 'boss']);
    expect(role.code).toBe(2);
    expect(role.err).toMatch(/^milepost user: --role must be one of manager, csm, operator, got 'boss'\n/);
    const address = await cli(['user', 'add', 'not-an-address', '--role', 'csm']);
    expect(address.code).toBe(1);
    expect(address.err).toMatch(/is not an e-mail address/);
  });

  it('gives a user a new token; the old one stops working', async () => {
    const added = await cli(['user', 'add', 'max@example.com', '--role', 'manager']);
    const old = added.out.trim();
    const renewed = await cli(['user', 'token', 'max@example.com']);
    expect(renewed.code).toBe(0);
    expect(await findUserByToken(db.pool, old)).toBeNull();
    expect(await findUserByToken(db.pool, renewed.out.trim())).toMatchObject({ email: 'max@example.com', role: 'manager' });
    expect((await cli(['user', 'token', 'nobody@example.com'])).code).toBe(1);
  });
});
