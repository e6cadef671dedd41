/**
 * store/ is the one door to Postgres (issue 10 item 1): no SQL statement
 * outside it. Checked on the source: a query text (SELECT / INSERT / UPDATE /
 * DELETE / WITH / BEGIN ... in a string passed to `.query(`) or a `pg` import
 * anywhere but store/ fails the test, naming the file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const SOURCES = ['activities', 'client', 'workflows', 'worker', 'scripts', 'dsl'];

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return []; }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** `.query(` followed by a string that starts with an SQL verb. */
const SQL_CALL = /\.query(?:<[^>]*>)?\(\s*[`'"]\s*(SELECT|INSERT|UPDATE|DELETE|WITH|BEGIN|COMMIT|ROLLBACK|CREATE|ALTER|DROP)\b/i;
const PG_IMPORT = /from\s+['"]pg['"]/;

export function offenders(files: Array<{ path: string; text: string }>): string[] {
  return files.flatMap(({ path, text }) => [
    ...(SQL_CALL.test(text) ? [`${path}: SQL outside store/`] : []),
    ...(PG_IMPORT.test(text) ? [`${path}: imports pg outside store/`] : []),
  ]);
}

describe('the one door to Postgres', () => {
  it('finds no SQL and no pg import outside store/', () => {
    const files = SOURCES.flatMap((dir) => sourceFiles(join(ROOT, dir)))
      .map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }));
    expect(files.length).toBeGreaterThan(50);
    expect(offenders(files)).toEqual([]);
  });

  it('would catch a query in a route and a pg import', () => {
    expect(offenders([
      { path: 'client/api/routes/x.ts', text: "await deps.pool.query<{ n: number }>(\n  `SELECT count(*) FROM tasks`)" },
      { path: 'client/y.ts', text: "import pg from 'pg';" },
      { path: 'client/z.ts', text: "await handle.query(getReport)" },
    ])).toEqual(['client/api/routes/x.ts: SQL outside store/', 'client/y.ts: imports pg outside store/']);
  });
});
