/**
 * Schemathesis ends its report the way pytest does, with a banner such as
 * `===== 1 warning in 60.22s =====`. CI reads pytest's closing line wherever it
 * appears in a run's output, and that one names no test passed, so a green
 * run whose Schemathesis step printed it was counted as one that ran no test
 * (stops 17 and 18). Schemathesis's summary is kept, worded so that no
 * reader of test output takes it for a test runner's tally.
 */

/** A pytest-style banner line: a run of `=`, a title, a run of `=`. */
const BANNER = /^=+ (.+?) =+$/;

/** The banner's title when it is the closing tally (`... in 60.22s`): what was found, and how long it took. */
const TALLY = /^(.*) in ([\d.]+)s$/;

/** `line` as printed, or, for a banner, its title between dashes (the closing tally as `Schemathesis found: ...`). */
export function plainReportLine(line: string): string {
  const banner = BANNER.exec(line);
  if (banner === null) return line;
  const tally = TALLY.exec(banner[1]!);
  return tally === null ? `-- ${banner[1]} --` : `Schemathesis found: ${tally[1]} (${tally[2]} s)`;
}
