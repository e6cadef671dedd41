/**
 * The CLI's client of the Milepost HTTP API (reference §15), shared by every
 * command that goes through a running server (`enrol`, `event`, `status`,
 * `import`, `report --api`): where the API is, the bearer token, one request,
 * and the API's errors printed as one line each with the exit code they mean.
 *
 * Exit codes (reference §13): 1 when the API refused the input (400, 404, 413),
 * 2 when it cannot be used at all (unreachable, 401, a server error).
 */
import type { CommandIO } from './command.ts';

/** An answer of the API: status and parsed JSON body (`null` when not JSON). */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** The API could not be reached (connection refused, DNS, reset): exit 2. */
export class ApiUnreachableError extends Error {
  override name = 'ApiUnreachableError';
}

/** A request's options: a JSON body, or raw text with its content type. */
export interface ApiRequest {
  method?: 'GET' | 'POST';
  query?: Record<string, string | undefined>;
  json?: unknown;
  text?: { body: string; contentType: string };
}

/** The API's address when `--api` is not given: `MILEPOST_API_URL`, else loopback on `MILEPOST_PORT` (as `milepost serve` listens). */
export function defaultApiUrl(env: NodeJS.ProcessEnv): string {
  return env.MILEPOST_API_URL ?? `http://127.0.0.1:${env.MILEPOST_PORT ?? 8080}`;
}

/** A client bound to one API and token. */
export class ApiClient {
  readonly base: string;
  private readonly token: string;

  constructor(base: string, token: string) {
    this.base = base.replace(/\/+$/, '');
    this.token = token;
  }

  /** Sends one request; throws {@link ApiUnreachableError} when nothing answers. */
  async request(path: string, init: ApiRequest = {}): Promise<ApiResponse> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let body: string | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.text !== undefined) {
      headers['content-type'] = init.text.contentType;
      body = init.text.body;
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
      text = await response.text();
    } catch (err) {
      // fetch hides the reason (ECONNREFUSED, ENOTFOUND, ...) in `cause`.
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
      throw new ApiUnreachableError(`cannot reach the API at ${this.base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { cause: err });
    }
    let parsed: unknown = null;
    try { parsed = JSON.parse(text); } catch { /* not JSON: shown as text by apiErrorLines */ parsed = text === '' ? null : text; }
    return { status: response.status, body: parsed };
  }
}

/**
 * The client for `command`, from `--api` (or {@link defaultApiUrl}) and
 * `MILEPOST_API_TOKEN`; without a token it prints why and gives exit 2.
 */
export function apiClientFor(io: CommandIO, command: string, api: string | undefined): ApiClient | { exit: number } {
  const token = io.env.MILEPOST_API_TOKEN;
  if (token === undefined || token === '') {
    io.stderr.write(`milepost ${command}: set MILEPOST_API_TOKEN to the API's token (milepost serve prints it when it generates one)\n`);
    return { exit: 2 };
  }
  const base = api ?? defaultApiUrl(io.env);
  try {
    new URL(base);
  } catch {
    io.stderr.write(`milepost ${command}: --api must be a URL such as http://127.0.0.1:8080, got '${base}'\n`);
    return { exit: 2 };
  }
  return new ApiClient(base, token);
}

/**
 * The errors of an API answer, one line each. The API answers
 * `{"errors": [...]}` whose items are strings or `{index?, id?, line?, error}`.
 */
export function apiErrorLines(body: unknown): string[] {
  const errors = typeof body === 'object' && body !== null && 'errors' in body ? (body as { errors: unknown }).errors : undefined;
  if (!Array.isArray(errors)) {
    if (typeof body === 'string' && body !== '') return [oneLine(body)];
    return typeof body === 'object' && body !== null && 'message' in body ? [oneLine(String((body as { message: unknown }).message))] : [];
  }
  return errors.map((e: unknown) => {
    if (typeof e !== 'object' || e === null) return oneLine(String(e));
    const { index, id, error } = e as { index?: unknown; id?: unknown; error?: unknown };
    const where = [typeof index === 'number' ? `events[${index}]` : '', typeof id === 'string' ? `(${id})` : ''].filter(Boolean).join(' ');
    return oneLine(`${where ? `${where}: ` : ''}${typeof error === 'string' ? error : JSON.stringify(e)}`);
  });
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** The exit code an unsuccessful status means: 2 for 401 and server errors, 1 for refused input. */
export function exitForStatus(status: number): number {
  return status === 401 || status >= 500 ? 2 : 1;
}

/** Prints an unsuccessful answer (one line per error) and returns its exit code. */
export function reportApiFailure(io: CommandIO, command: string, response: ApiResponse): number {
  if (response.status === 401) {
    io.stderr.write(`milepost ${command}: the API refused the token (check MILEPOST_API_TOKEN)\n`);
    return 2;
  }
  const lines = apiErrorLines(response.body);
  if (lines.length === 0) lines.push(`the API answered ${response.status}`);
  for (const line of lines) io.stderr.write(`milepost ${command}: ${line}\n`);
  return exitForStatus(response.status);
}

/**
 * Runs `body` with a client for `command`: no token → exit 2, and an
 * unreachable API anywhere inside → one line and exit 2.
 */
export async function withApi(io: CommandIO, command: string, api: string | undefined, body: (client: ApiClient) => Promise<number>): Promise<number> {
  const client = apiClientFor(io, command, api);
  if ('exit' in client) return client.exit;
  try {
    return await body(client);
  } catch (err) {
    if (!(err instanceof ApiUnreachableError)) throw err;
    io.stderr.write(`milepost ${command}: ${err.message}\n`);
    return 2;
  }
}
