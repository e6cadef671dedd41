/**
 * The one progress display of the CLI (issue 15: there were two copies), for
 * long runs such as a backtest or an import: how far, how fast, how long to go.
 *
 * On a terminal it is one line redrawn in place at most every 100 ms:
 * `enrolled [#########.....................] 600/2000  52.1/s  ETA 27 s`.
 * Elsewhere (a log, a pipe) it writes a line at each tenth of the way, so logs
 * stay short but still show the rate and the time left.
 */

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Redraw in place (a terminal) or write lines at each tenth. Default: the stream's `isTTY`. */
  tty?: boolean;
  /** The clock, in milliseconds (tests pass their own). Default `performance.now`. */
  now?: () => number;
}

/** A running progress display. */
export interface Progress {
  /** Reports `done` of the total; `label` names the phase (`checked`, `enrolled`). */
  update(done: number, label?: string): void;
  /** Draws the final state and ends the line (on a terminal). */
  done(label?: string): void;
}

/** `27 s`, `4 min 10 s`, `1 h 3 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** `52.1/s` (items per second), `—` before there is a rate to show. */
function formatRate(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return '—/s';
  return `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toFixed(1)}/s`;
}

/**
 * A progress display of `total` items on `stream`. The rate counts from the
 * first update that moved (an import resumed at row 500 does not claim the
 * first 500 rows were instant): items since then over time since then.
 */
export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }, total: number, label: string, options: ProgressOptions = {}): Progress {
  const tty = options.tty ?? stream.isTTY === true;
  const now = options.now ?? (() => performance.now());
  let phase = label;
  let origin: { at: number; done: number } | null = null;
  let lastDraw = -Infinity;
  let lastTenth = -1;
  let latest = 0;
  /** Width of the line drawn last: a shorter redraw pads over it (no escape sequences). */
  let drawn = 0;
  const redraw = (line: string, end = '') => {
    stream.write(`\r${line.padEnd(drawn)}${end}`);
    drawn = end === '' ? line.length : 0;
  };

  const text = (done: number): string => {
    const at = now();
    const elapsed = origin === null ? 0 : at - origin.at;
    const rate = origin === null || elapsed <= 0 || done <= origin.done ? null : ((done - origin.done) / elapsed) * 1000;
    const eta = rate === null || rate <= 0 ? null : ((total - done) / rate) * 1000;
    const tail = done >= total ? `${formatRate(rate)}` : `${formatRate(rate)}  ETA ${eta === null ? '—' : formatDuration(eta)}`;
    if (!tty) return `${phase} ${done}/${total} (${tail.replace('  ', ', ')})`;
    const width = 30;
    const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
    return `${phase.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${tail}`;
  };

  return {
    update(done, newLabel) {
      if (newLabel !== undefined && newLabel !== phase) {
        phase = newLabel;
        origin = null;
        lastTenth = -1;
      }
      if (origin === null) origin = { at: now(), done };
      latest = done;
      if (tty) {
        const at = now();
        if (done < total && at - lastDraw < 100) return;
        lastDraw = at;
        redraw(text(done));
      } else {
        const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
        if (tenth === lastTenth) return;
        lastTenth = tenth;
        stream.write(`${text(done)}\n`);
      }
    },
    done(newLabel) {
      if (newLabel !== undefined) phase = newLabel;
      if (tty) redraw(text(latest), '\n');
      else if (lastTenth !== 10) stream.write(`${text(latest)}\n`);
      origin = null;
      lastTenth = -1;
      lastDraw = -Infinity;
    },
  };
}
