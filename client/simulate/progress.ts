/**
 * A one-line progress bar on stderr for long backtests (only used on a TTY).
 */

/** Draws `label [#####.....] done/total` and redraws it in place at most every 50 ms. */
export function progressBar(stream: NodeJS.WritableStream, total: number, label: string) {
  let last = 0;
  const draw = (done: number) => {
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  };
  return {
    update(done: number) {
      const now = performance.now();
      if (done < total && now - last < 50) return;
      last = now;
      draw(done);
    },
    done() {
      draw(total);
      stream.write('\n');
    },
  };
}
