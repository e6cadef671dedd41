/**
 * The prebuilt workflow bundle: the journey workflow and everything it
 * imports, bundled once by webpack (`bundleWorkflowCode`) and cached on disk
 * under `.milepost/` keyed by a hash of the sources, so a worker starts in
 * well under a second and every worker of one release runs the same code.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The bundle's entry module. */
export const WORKFLOWS_ENTRY = join(ROOT, 'workflows', 'index.ts');
/** Folders whose sources can end up in the bundle. */
const BUNDLED_DIRS = ['workflows', 'dsl/ir', 'activities'];

let memo: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The bundle, from this process's memory, the disk cache, or built now. */
export function workflowBundle(cacheDir: string = process.env.MILEPOST_BUNDLE_CACHE ?? join(ROOT, '.milepost', 'bundles')): Promise<WorkflowBundleWithSourceMap> {
  memo ??= loadOrBuild(cacheDir).catch((err: unknown) => {
    memo = undefined;
    throw err;
  });
  return memo;
}

async function loadOrBuild(cacheDir: string): Promise<WorkflowBundleWithSourceMap> {
  const file = join(cacheDir, `workflows-${sourceHash()}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as WorkflowBundleWithSourceMap;
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: quietLogger });
  mkdirSync(cacheDir, { recursive: true });
  // Write then rename is not needed: a torn file fails JSON.parse and is rebuilt.
  writeFileSync(file, JSON.stringify(bundle));
  return bundle;
}

/** Hash of every TypeScript source that may be bundled, plus the SDK version. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  const sdk = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@temporalio', 'workflow', 'package.json'), 'utf8')) as { version: string };
  hash.update(sdk.version);
  for (const dir of BUNDLED_DIRS) {
    for (const file of listTs(join(ROOT, dir))) {
      hash.update(relative(ROOT, file));
      hash.update(readFileSync(file));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function listTs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTs(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const quietLogger = {
  log: () => {}, trace: () => {}, debug: () => {}, info: () => {},
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};
