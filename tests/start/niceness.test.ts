/**
 * The niceness `npm start` runs its dev server and worker at (issue 14): the
 * setting's rule, the command that applies it, and a bad setting stopping
 * `npm start` before it starts anything. npm-start.test.ts checks the
 * defaults on a running stack.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/temporal/binaries.ts';
import { nicedCommand, nicenessSetting } from '../../scripts/start/niceness.ts';
import { ConfigError } from '../../worker/config.ts';

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'milepost-nice-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('niceness settings', () => {
  it('reads 0 to 19, falls back when unset or empty, and names the setting otherwise', () => {
    expect(nicenessSetting({}, 'MILEPOST_WORKER_NICE', 10)).toBe(10);
    expect(nicenessSetting({ MILEPOST_WORKER_NICE: '' }, 'MILEPOST_WORKER_NICE', 10)).toBe(10);
    expect(nicenessSetting({ MILEPOST_WORKER_NICE: '0' }, 'MILEPOST_WORKER_NICE', 10)).toBe(0);
    expect(nicenessSetting({ MILEPOST_WORKER_NICE: '19' }, 'MILEPOST_WORKER_NICE', 10)).toBe(19);
    for (const bad of ['20', '-1', '2.5', 'low']) {
      expect(() => nicenessSetting({ MILEPOST_WORKER_NICE: bad }, 'MILEPOST_WORKER_NICE', 10))
        .toThrow(new ConfigError(`MILEPOST_WORKER_NICE must be a niceness from 0 to 19, got '${bad}'`));
    }
  });

  it('runs a command through nice, which execs it: the process it starts is the command, at that niceness', async () => {
    // `$$` is the shell's own pid: `ps` reads the niceness of the very process spawn started.
    const { command, args } = nicedCommand(7, 'sh', ['-c', 'ps -o ni= -p $$']);
    expect(command).toBe('nice');
    const { stdout } = await run(command, args, { encoding: 'utf8' });
    expect(Number(stdout.trim())).toBe(7);
    expect(nicedCommand(0, 'sh', ['-c', 'true'])).toEqual({ command: 'sh', args: ['-c', 'true'] });
    expect(nicedCommand(undefined, 'sh', [])).toEqual({ command: 'sh', args: [] });
    expect(() => nicedCommand(20, 'sh', [])).toThrow(RangeError);
  });

  it('a bad MILEPOST_WORKER_NICE stops npm start with the setting named, before anything is started', async () => {
    const failed = await run(process.execPath, ['scripts/start.ts'], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, MILEPOST_HOME: home, MILEPOST_WORKER_NICE: '20' },
    }).then(() => null, (err: { code: number; stderr: string; stdout: string }) => err);
    expect(failed?.code).toBe(1);
    expect(`${failed?.stdout}${failed?.stderr}`).toContain("MILEPOST_WORKER_NICE must be a niceness from 0 to 19, got '20'");
    expect(existsSync(join(home, 'stack.json'))).toBe(false);
    expect(existsSync(join(home, 'pglite'))).toBe(false);
  });
});
