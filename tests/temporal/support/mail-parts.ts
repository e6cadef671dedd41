/**
 * Reads what the SMTP sink received (an RFC 5322 message as nodemailer writes
 * it): the Subject header and, for multipart/alternative, the text/plain and
 * text/html parts, decoded (7bit, quoted-printable or base64). Enough for
 * tests to check both parts of an email; not a general MIME parser.
 */
export interface MailParts {
  subject: string;
  contentType: string;
  text: string | null;
  html: string | null;
}

export function mailParts(raw: string): MailParts {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = headerMap(head ?? '');
  const contentType = headers.get('content-type') ?? '';
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  const body = rest.join('\r\n\r\n');
  const parts = boundary === undefined ? [{ type: contentType, text: decode(body, headers.get('content-transfer-encoding')) }]
    : body.split(`--${boundary}`).slice(1).filter((p) => !p.startsWith('--')).map((part) => {
      const [partHead, ...partBody] = part.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
      const h = headerMap(partHead ?? '');
      return { type: h.get('content-type') ?? '', text: decode(partBody.join('\r\n\r\n'), h.get('content-transfer-encoding')) };
    });
  return {
    subject: decodeWords(headers.get('subject') ?? ''),
    contentType,
    text: parts.find((p) => p.type.startsWith('text/plain'))?.text ?? null,
    html: parts.find((p) => p.type.startsWith('text/html'))?.text ?? null,
  };
}

function headerMap(head: string): Map<string, string> {
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  return new Map(unfolded.split(/\r?\n/).flatMap((line) => {
    const i = line.indexOf(':');
    return i < 0 ? [] : [[line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()] as [string, string]];
  }));
}

function decode(body: string, encoding: string | undefined): string {
  const text = body.replace(/\r?\n$/, '');
  switch (encoding?.toLowerCase()) {
    case 'quoted-printable': {
      const bytes = text.replace(/=\r?\n/g, '').replace(/\r\n/g, '\n');
      return Buffer.from(bytes.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
    }
    case 'base64': return Buffer.from(text, 'base64').toString('utf8');
    default: return text.replace(/\r\n/g, '\n');
  }
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`), as a long or non-ASCII header is written. */
function decodeWords(header: string): string {
  return header.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'));
}
