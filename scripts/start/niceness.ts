/**
 * CPU niceness of the parts `npm start` runs behind the API on one machine:
 * the Temporal dev server and the journey worker.
 *
 * Why (issue 14): `POST /events` answers 202 once its events are stored, and
 * everything they cause afterwards (a signal, a workflow task, the worker's
 * activities) can wait, stored, until the cores are free again. On one
 * machine all of it shares the same cores, so at equal priority a burst of
 * events makes its own 202s slower with the work it sets off. Run below the
 * API, that work takes what the API leaves; on an idle machine the niceness
 * changes nothing. Measured in docs/benchmarks.md ("Issue 14").
 */
import { ConfigError } from '../../worker/config.ts';

/** Whether `value` is a niceness these parts take: an integer from 0 to 19. */
export function isNiceness(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 19;
}

/** Reads a niceness setting (MILEPOST_TEMPORAL_NICE, MILEPOST_WORKER_NICE): `fallback` when unset; a ConfigError naming it when not 0-19. */
export function nicenessSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const niceness = Number(raw);
  if (!isNiceness(niceness)) throw new ConfigError(`${name} must be a niceness from 0 to 19, got '${raw}'`);
  return niceness;
}

/** The niceness `npm start` gives its embedded dev server; MILEPOST_TEMPORAL_NICE overrides it. */
export const EMBEDDED_TEMPORAL_NICENESS = 10;

/** The niceness `npm start` gives its journey worker; MILEPOST_WORKER_NICE overrides it. */
export const EMBEDDED_WORKER_NICENESS = 10;

/**
 * `command args` run at `niceness` through `nice`, which execs it: the pid,
 * and the signals sent to it, are the command's own, and every thread it
 * starts inherits the niceness (renicing a running process on Linux moves
 * only its main thread). Absent or 0, or on Windows: the command as given.
 */
export function nicedCommand(niceness: number | undefined, command: string, args: string[]): { command: string; args: string[] } {
  if (niceness !== undefined && !isNiceness(niceness)) throw new RangeError(`a niceness must be an integer from 0 to 19, got ${niceness}`);
  if (niceness === undefined || niceness === 0 || process.platform === 'win32') return { command, args };
  return { command: 'nice', args: ['-n', String(niceness), command, ...args] };
}
