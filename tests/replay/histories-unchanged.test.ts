/**
 * A recorded history is a fact about journeys that ran: it is never
 * rewritten. A change to what the workflow does goes behind `patched()` with a
 * new history under a new name (record-histories.ts refuses to overwrite one).
 *
 * Two checks: the manifest (histories.sha256.json, one hash per file, written
 * when a history is added and never edited) holds every file with its hash,
 * so the rule holds on any checkout, also a shallow one; and, where the
 * checkout has its git history, each file is byte-for-byte the version first
 * committed under its name (so the manifest cannot be "fixed" along with a
 * rewritten file either).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(import.meta.dirname, 'histories');
const MANIFEST = join(import.meta.dirname, 'histories.sha256.json');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function git(args: string[]): Buffer | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return null;
  }
}

/** True when this checkout carries its whole git history. */
const fullHistory = git(['rev-parse', '--is-shallow-repository'])?.toString().trim() === 'false';

describe('recorded journey histories are never rewritten', () => {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;

  it('the manifest lists every history file, and every file it lists is there', () => {
    expect(Object.keys(manifest).sort()).toEqual(files);
  });

  it.each(files)('%s has the hash the manifest recorded when it was added', (file) => {
    expect(sha256(readFileSync(join(DIR, file)))).toBe(manifest[file]);
  });

  it.runIf(fullHistory).each(files)('%s is the version first committed under its name', (file) => {
    const path = relative(ROOT, join(DIR, file));
    const firstCommit = git(['log', '--diff-filter=A', '--format=%H', '--', path])?.toString().trim().split('\n').pop();
    // Not committed yet: a history being added in this change.
    if (firstCommit === undefined || firstCommit === '') return;
    const first = git(['show', `${firstCommit}:${path}`]);
    expect(first, `git show ${firstCommit}:${path}`).not.toBeNull();
    expect(sha256(readFileSync(join(DIR, file))), `${path} differs from its first commit ${firstCommit.slice(0, 7)}`).toBe(sha256(first!));
  });
});
