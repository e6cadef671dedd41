/**
 * An earlier release of Milepost checked out beside the repository, for a
 * worker-upgrade test: the commit's tree (`git archive`) in a temporary
 * folder, with this checkout's node_modules linked in (the dependencies the
 * old release ran on are the same SDK and libraries).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The last commit before the `timers-kept-across-signals` patch: journeys it starts carry no patch marker. */
export const RELEASE_BEFORE_TIMER_PATCH = 'cd6b689af71ed89cbadc399df125e390e939bf37';

export interface OldRelease {
  root: string;
  remove(): void;
}

export function checkOutRelease(commit: string): OldRelease {
  try {
    execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    throw new Error(`commit ${commit} is not in this clone (a shallow clone?): the upgrade test needs the repository's history ('git fetch --unshallow')`);
  }
  const root = mkdtempSync(join(tmpdir(), 'milepost-release-'));
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C '${root}'`], { cwd: ROOT });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
