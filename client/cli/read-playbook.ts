/**
 * Reads a playbook file for the CLI. An unreadable file is wrong input of
 * the kind reference §13 answers with exit 2 and a one-line reason.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** The file's text, or the one-line reason it could not be read. */
export async function readPlaybook(path: string, cwd: string): Promise<{ source: string } | { error: string }> {
  try {
    return { source: await readFile(resolve(cwd, path), 'utf8') };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    return { error: `${path}: cannot read: ${why}` };
  }
}
