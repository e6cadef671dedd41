/**
 * npm around Milepost (issue 14 item 6): `npx milepost` prints nothing of
 * npm's before its own output (on main: ten EBADENGINE lines, npm checking
 * the machine's Node 20 against the project's Node 24), and `npm install`
 * leaves package-lock.json as committed. The lockfile's shape depends on the
 * npm major that wrote it (npm 11 records each platform package's `libc`;
 * npm 10 drops those lines, and the next npm 11 install adds them back), so
 * the project declares npm >= 11 and this test rewrites the lock with the
 * npm at hand and compares.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/temporal/binaries.ts';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'milepost-npm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm hygiene (#14)', () => {
  it('npx milepost --version prints the version and nothing else', async () => {
    const { stdout, stderr } = await run('npx', ['milepost', '--version'], { cwd: ROOT, encoding: 'utf8' });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^milepost \d+\.\d+\.\d+ \(playbook language version 2\)\n$/);
  });

  it('npm install does not rewrite the committed package-lock.json', async () => {
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(join(ROOT, file), join(scratch, file));
    const { stdout: version } = await run('npm', ['--version'], { encoding: 'utf8' });
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(11);
    await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: scratch, encoding: 'utf8', timeout: 120_000 });
    expect(readFileSync(join(scratch, 'package-lock.json'), 'utf8')).toBe(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  }, 150_000);
});
