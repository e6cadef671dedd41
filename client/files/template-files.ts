/**
 * Template files from disk (reference §8): `templates/<name>.md` in the folder
 * beside the playbook file. It lives outside dsl/ because it reads files: the
 * compiler itself is pure and gets the files through a {@link TemplateSource}.
 * Every composition root that compiles a playbook from a file (the CLI's
 * validate/compile/simulate/deploy/plan..., `npm start`, tests) passes
 * `templatesBeside(path)` so a playbook compiles the same everywhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TemplateSource } from '../../dsl/check/template-file.ts';

/**
 * The templates folder beside `playbookPath`.
 * @param playbookPath the playbook file, as the user named it (relative to `cwd`, or absolute)
 * @param cwd the directory relative paths start from
 */
export function templatesBeside(playbookPath: string, cwd: string = process.cwd()): TemplateSource {
  const shown = join(dirname(playbookPath), 'templates');
  const folder = resolve(cwd, dirname(playbookPath), 'templates');
  return {
    folder: shown,
    read(name) {
      try {
        return { file: join(shown, `${name}.md`), text: readFileSync(join(folder, `${name}.md`), 'utf8') };
      } catch {
        return null;
      }
    },
    names() {
      try {
        return readdirSync(folder).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)).sort();
      } catch {
        return [];
      }
    },
  };
}
