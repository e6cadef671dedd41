/**
 * Whether the process a pid file names is still running: the embedded
 * database's lock (store/embedded-postgres.ts) and `npm start`'s stack file
 * (client/cli/stack.ts) both treat a file whose process is gone as stale.
 * Kept apart from embedded-postgres.ts so the CLI can ask without loading PGlite.
 */

/** True when a process with `pid` exists (EPERM: it exists, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
