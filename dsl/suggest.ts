/**
 * "Did you mean" suggestions for misspelt names (keys, attributes, events,
 * fields, enum members, functions).
 */

/**
 * Edit distance with adjacent transpositions counting as one edit (optimal
 * string alignment): `hihg` is one edit from `high`, as a typist would judge.
 * Cut off once every path exceeds `max`.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (before[j - 2] ?? 0) + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    before = prev;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate closest to `name`, when it is close enough to be a plausible
 * typo (at most a third of the name's length in edits, at least one), else
 * `undefined`. Case differences count as half an edit's worth: they are
 * checked first.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const lower = name.toLowerCase();
  const sameCase = list.find((c) => c.toLowerCase() === lower && c !== name);
  if (sameCase !== undefined) return sameCase;
  // An abbreviation (`cnt` for `count`, `mgr` for `manager`): every letter in order.
  if (lower.length >= 3) {
    const abbreviated = list.find((c) => c.toLowerCase().startsWith(lower[0]!) && isSubsequence(lower, c.toLowerCase()));
    if (abbreviated !== undefined && editDistance(lower, abbreviated.toLowerCase()) <= Math.ceil(abbreviated.length / 2)) return abbreviated;
  }
  const max = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const c of list) {
    const d = editDistance(lower, c.toLowerCase(), max);
    // On a tie, the candidate of the same length wins: `dayz` is `days`, not `day`.
    const tieBreak = d === bestDistance && best !== undefined && Math.abs(c.length - name.length) < Math.abs(best.length - name.length);
    if (d < bestDistance || tieBreak) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length;
}

/** `; did you mean \`x\`?` or the empty string. */
export function didYouMean(name: string, candidates: Iterable<string>, format: (s: string) => string = (s) => s): string {
  const c = closest(name, candidates);
  return c === undefined ? '' : `; did you mean \`${format(c)}\`?`;
}
