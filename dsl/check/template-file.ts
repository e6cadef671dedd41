/**
 * (v2) Template files (reference §8): `playbooks/templates/<name>.md`, an optional
 * front matter block with `subject:`, then a Markdown body, both with the
 * placeholders of the place that names the template. A problem inside the
 * file is reported at the playbook's `template:` line (the file the author
 * is compiling), and the message names the template file and its line.
 */
import { parse as parseYaml } from 'yaml';
import type { DiagnosticCode, DiagnosticSink } from '../diagnostics.ts';
import { LineIndex } from '../diagnostics.ts';
import type { Template, TemplateFile } from '../ir/schema.ts';
import type { Span } from '../rules/ast.ts';
import type { Declarations } from './declarations.ts';
import { RuleContext } from './rule-context.ts';
import type { RuleScope } from './rule-context.ts';
import { checkTemplate } from './template.ts';

/** A template file's text, as the caller found it. */
export interface TemplateFileText {
  /** The file as messages should name it (e.g. `playbooks/templates/activation-due-soon.md`). */
  file: string;
  text: string;
}

/**
 * Where the compiler finds template files. The compiler stays pure: the
 * caller reads files (client/files/template-files.ts does it with Node).
 */
export interface TemplateSource {
  /** The text of template `name` (`templates/<name>.md` beside the playbook); `null` when there is no such file. */
  read(name: string): TemplateFileText | null;
  /** The names of the templates that exist, for "did you mean"; optional. */
  names?(): readonly string[];
  /** How the folder is shown in messages, e.g. `playbooks/templates`. */
  folder: string;
}

/** A template name: it becomes a file name, so no slashes, dots or spaces. */
export const TEMPLATE_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** The rule context of a piece of a template file: offsets are file-local; errors land on the playbook's `template:`. */
class TemplateFileContext extends RuleContext {
  private readonly base: number;
  private readonly lines: LineIndex;
  private readonly shownAs: string;
  private readonly at: readonly [number, number];
  private readonly out: DiagnosticSink;

  constructor(text: string, base: number, file: TemplateFileText, scope: RuleScope, sink: DiagnosticSink, at: readonly [number, number]) {
    super(text, [], scope, sink);
    this.base = base;
    this.lines = new LineIndex(file.text);
    this.shownAs = file.file;
    this.at = at;
    this.out = sink;
  }

  override fileRange(): [number, number] {
    return [this.at[0], this.at[1]];
  }

  override error(code: DiagnosticCode, message: string, span: Span): void {
    const { line, col } = this.lines.linePos(this.base + span[0]);
    this.out.error(code, `${this.shownAs}:${line}:${col}: ${message}`, this.at);
  }
}

/** Splits a template file into its front matter (text and offset) and body (text and offset). */
function split(text: string): { front: { text: string; at: number } | null; body: { text: string; at: number }; unclosed: boolean } {
  const open = /^---[ \t]*\r?\n/.exec(text);
  if (!open) return { front: null, body: { text, at: 0 }, unclosed: false };
  const close = /^---[ \t]*(\r?\n|$)/m;
  const rest = text.slice(open[0].length);
  const m = close.exec(rest);
  if (!m) return { front: null, body: { text, at: 0 }, unclosed: true };
  const frontAt = open[0].length;
  const bodyAt = frontAt + m.index + m[0].length;
  return { front: { text: rest.slice(0, m.index), at: frontAt }, body: { text: text.slice(bodyAt), at: bodyAt }, unclosed: false };
}

/**
 * Checks template file `file` for use at `at` (the playbook's `template:` value)
 * in `scope`, and returns it as the IR carries it. `irFile` is its path
 * relative to the playbook's folder.
 */
export function checkTemplateFile(file: TemplateFileText, irFile: string, scope: RuleScope, decls: Declarations, sink: DiagnosticSink, at: readonly [number, number]): TemplateFile | undefined {
  const lines = new LineIndex(file.text);
  const fail = (offset: number, message: string): undefined => {
    const { line, col } = lines.linePos(offset);
    sink.error('TEMPLATE_FILE', `${file.file}:${line}:${col}: ${message}`, at);
    return undefined;
  };
  const parts = split(file.text);
  if (parts.unclosed) return fail(0, 'the front matter opened by `---` on the first line is never closed by a `---` line');
  let subject: Template | null = null;
  if (parts.front) {
    const front = parts.front;
    let data: unknown;
    try {
      data = front.text.trim() === '' ? {} : parseYaml(front.text);
    } catch (err) {
      return fail(front.at, `the front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return fail(front.at, 'the front matter is a map of keys, such as `subject: Your renewal`');
    for (const key of Object.keys(data)) {
      if (key !== 'subject') {
        const offset = front.at + Math.max(0, front.text.search(new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`, 'm')));
        return fail(offset, `unknown front matter key \`${key}\`: a template's front matter has only \`subject:\``);
      }
    }
    const s = (data as Record<string, unknown>)['subject'];
    if (s !== undefined) {
      const line = /^subject\s*:\s*/m.exec(front.text);
      const offset = front.at + (line ? line.index + line[0].length : 0);
      if (typeof s !== 'string') return fail(offset, '`subject:` is one line of text');
      // The subject's placeholders are located from its text in the file (exact for plain and quoted one-liners).
      const found = file.text.indexOf(s, offset);
      const ctx = new TemplateFileContext(s, found >= 0 ? found : offset, file, { ...scope, place: 'this subject' }, sink, at);
      subject = checkTemplate(ctx, decls);
    }
  }
  // One blank line between the front matter and the body is layout, not text.
  const lead = parts.front ? (/^\r?\n/.exec(parts.body.text)?.[0].length ?? 0) : 0;
  const bodyText = parts.body.text.slice(lead);
  if (bodyText.trim() === '') return fail(parts.body.at, 'the template has no body: write the message below the front matter');
  const body = checkTemplate(new TemplateFileContext(bodyText, parts.body.at + lead, file, { ...scope, place: 'this template' }, sink, at), decls);
  return { file: irFile, subject, body };
}

/**
 * A {@link TemplateSource} over texts in memory (`name -> text`): for callers
 * that hold the files already (an API body, tests).
 * @param folder how the folder is shown in messages
 */
export function templatesFrom(texts: Readonly<Record<string, string>>, folder = 'templates'): TemplateSource {
  return {
    folder,
    read: (name) => (Object.hasOwn(texts, name) ? { file: `${folder}/${name}.md`, text: texts[name]! } : null),
    names: () => Object.keys(texts).sort(),
  };
}
