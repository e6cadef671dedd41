/**
 * `milepost worker` as a real child process, so a test can kill it the hard
 * way (SIGKILL) in the middle of a journey and start another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../client/bin/milepost.js', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** SIGKILL: no graceful shutdown, in-flight tasks are abandoned. */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `milepost worker` with `env` and waits until it polls its task queue.
 * `options.cli`/`options.cwd` run another checkout's worker (an older release, for upgrade tests).
 */
export async function startWorkerProcess(env: Record<string, string>, args: string[] = [], options: { cli?: string; cwd?: string } = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [options.cli ?? CLI, 'worker', ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 90 s:\n${output}`)), 90_000);
    const check = () => {
      if (output.includes('polling task queue')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
