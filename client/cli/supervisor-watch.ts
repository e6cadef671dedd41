/**
 * For the long-running commands (`serve`, `worker`) when a supervisor runs
 * them (`npm start` sets `MILEPOST_SUPERVISOR_PID`): stop, as on SIGTERM,
 * once the supervisor is gone. Without this, a supervisor killed with
 * SIGKILL leaves its children running on its ports and database, and the
 * next `npm start` finds them in its way.
 */
export function stopWithSupervisor(env: NodeJS.ProcessEnv): void {
  const supervisor = Number(env.MILEPOST_SUPERVISOR_PID);
  if (!Number.isInteger(supervisor) || supervisor <= 0) return;
  const timer = setInterval(() => {
    // Orphans are re-parented (to init or a subreaper): our parent is no longer the supervisor.
    if (process.ppid !== supervisor) {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1000);
  timer.unref();
}
