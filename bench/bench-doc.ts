/**
 * Writing a benchmark's figures into docs/benchmarks.md, one `### <title>`
 * part of one `## <section>` at a time, so a benchmark rewrites its own part
 * and leaves the others as they are.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const DOC = new URL('../docs/benchmarks.md', import.meta.url);

/**
 * Replaces the `### <title>` part of the `## <section>` section of
 * docs/benchmarks.md ("API and dashboard" unless named), creating the section
 * or part when missing.
 */
export function writeBenchPart(title: string, text: string, section = 'API and dashboard'): void {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let doc = readFileSync(DOC, 'utf8');
  if (!doc.includes(`\n## ${section}\n`)) doc = `${doc.trimEnd()}\n\n## ${section}\n`;
  const part = `### ${title}\n\n${text.trim()}\n`;
  const found = new RegExp(`\\n## ${escape(section)}\\n[\\s\\S]*?(?=\\n## |$)`).exec(doc)!;
  let body = found[0];
  const existing = new RegExp(`### ${escape(title)}\\n[\\s\\S]*?(?=\\n### |$)`);
  body = existing.test(body) ? body.replace(existing, () => `${part.trimEnd()}\n`) : `${body.trimEnd()}\n\n${part}`;
  doc = doc.slice(0, found.index) + body.trimEnd() + '\n' + doc.slice(found.index + found[0].length);
  writeFileSync(DOC, doc.trimEnd() + '\n');
}
