/**
 * `Content-Disposition: attachment` for a download whose name comes from
 * data (a customer id may hold any character but NUL): an ASCII `filename`
 * for old clients, every character outside printable ASCII and `"`, `\`
 * replaced by `_` (RFC 6266 §4.3), plus `filename*` with the exact name
 * percent-encoded as UTF-8 (RFC 5987/8187). A raw id used to break the
 * header (`"`) or make Node refuse it (CR/LF, anything outside Latin-1: a 500).
 */
import { wellFormed } from './unicode-text.ts';

/** The header value for downloading `filename`. */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/gu, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeRfc5987(filename)}`;
}

/** RFC 5987 `value-chars`: attr-char stays, everything else is percent-encoded UTF-8. */
function encodeRfc5987(text: string): string {
  return encodeURIComponent(wellFormed(text)).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
