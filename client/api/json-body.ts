/**
 * The request body parsers: JSON (parsed by us, so a malformed body gets a
 * message that says so, and a deeply nested one is refused before anything
 * walks it) and CSV for the import. Any other content type, `text/plain`
 * included, is a 415 (docs/api.md, "Errors").
 */
import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * Deepest nesting of arrays and objects a JSON body may have. The API's
 * bodies need 3 (`{"events": [{"data": {...}}]}`); 6,000 levels fit well in
 * 1 MiB and used to overflow the stack of whatever walked them.
 */
export const MAX_JSON_DEPTH = 32;

/** Installs the JSON and CSV parsers on `app`, and nothing else. */
export function installBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const outcome = parseJsonBody(body as string);
    if ('error' in outcome) done(badRequest(outcome.error), undefined);
    else done(null, outcome.value);
  });
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
}

/** Parses a JSON body, or says why it is refused. */
export function parseJsonBody(text: string): { value: unknown } | { error: string } {
  if (text.trim() === '') return { error: 'empty body: expected JSON' };
  const depth = nestingDepth(text);
  if (depth > MAX_JSON_DEPTH) return { error: `JSON nested ${depth > 10 * MAX_JSON_DEPTH ? 'far ' : ''}deeper than ${MAX_JSON_DEPTH} levels (arrays and objects within each other)` };
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `malformed JSON: ${(err as Error).message}` };
  }
}

/** Deepest bracket nesting of JSON text, outside strings; stops counting past 10 × the limit. One pass, no recursion. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      depth++;
      if (depth > deepest) { deepest = depth; if (deepest > 10 * MAX_JSON_DEPTH) return deepest; }
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return deepest;
}

function badRequest(message: string): FastifyError {
  return Object.assign(new Error(message), { statusCode: 400, code: 'MILEPOST_BAD_JSON', name: 'BadRequest' }) as FastifyError;
}
