/**
 * `milepost enrol <playbook> <customer.yaml> [--enrolled-at <instant>] [--with-events] [--json] [--api <url>]`
 * enrols a customer through the Milepost API (`POST /customers`, reference §15),
 * so the customer and journey are stored in Postgres before the durable
 * journey starts, and the dashboard, `plan` and `deploy` see them.
 *
 * `<playbook>` is a deployed playbook's id, or a playbook file (its id is
 * used; the API enrols in the newest deployed version). The customer file has
 * the timeline's shape (reference §11): `customer` and `contract`; with
 * `--with-events` its `events` go along as the customer's history (stored,
 * and known to the journey from its start). The API checks everything
 * against the deployed playbook. Enrolling twice is harmless (200, the
 * running journey is kept).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError, type Command, type CommandIO } from '../command.ts';
import { reportApiFailure, withApi } from '../api-client.ts';
import { instantOption, parseCommandLine } from '../arguments.ts';

/** What `POST /customers` answers on success (client/api/enrol.ts, `EnrolmentBody`). */
interface Enrolment {
  workflow_id: string;
  playbook: string;
  playbook_hash: string;
  customer: string;
}

const enrol: Command = {
  summary: 'enrol a customer in a deployed playbook, through the API (stored, then its journey starts)',
  usage: 'milepost enrol <playbook-id | playbook.yaml> <customer.yaml> [--enrolled-at <instant>] [--with-events] [--json] [--api <url>]   (env: MILEPOST_API_TOKEN)',
  uses: ['api'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      'enrolled-at': { type: 'string' },
      'with-events': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      api: { type: 'string' },
    });
    if (positionals.length !== 2) throw new UsageError('name a playbook (id or file) and a customer file');
    const [playbookArg, customerFile] = positionals as [string, string];
    const enrolledAt = instantOption('enrolled-at', values['enrolled-at']);
    const playbook = await playbookId(playbookArg, io);
    if (typeof playbook === 'number') return playbook;
    const file = await readCustomerFile(resolve(io.cwd, customerFile));
    if (typeof file === 'string') {
      io.stderr.write(`milepost enrol: ${customerFile}: ${file}\n`);
      return 2;
    }
    const body = {
      playbook,
      customer: file.customer,
      contract: file.contract,
      ...(enrolledAt === undefined ? {} : { enrolled_at: new Date(enrolledAt).toISOString() }),
      ...(values['with-events'] ? { events: historyEvents(file.customer.id, file.events) } : {}),
    };
    return withApi(io, 'enrol', values.api, async (api) => {
      const response = await api.request('/customers', { json: body });
      if (response.status !== 201 && response.status !== 200) return reportApiFailure(io, 'enrol', response);
      const enrolment = response.body as Enrolment;
      const already = response.status === 200;
      if (values.json) io.stdout.write(`${JSON.stringify({ ...enrolment, already_enrolled: already })}\n`);
      else io.stdout.write(already
        ? `${enrolment.customer} is already enrolled in ${enrolment.playbook} (${enrolment.workflow_id})\n`
        : `enrolled ${enrolment.customer} in ${enrolment.playbook} (${enrolment.workflow_id}, ${enrolment.playbook_hash.slice(0, 19)})\n`);
      return 0;
    });
  },
};

/** The playbook's id: the argument itself, or read from a playbook file (compiled, so a broken file is reported as `validate` would). */
async function playbookId(arg: string, io: CommandIO): Promise<string | number> {
  if (!/\.ya?ml$/i.test(arg)) return arg;
  const { loadPlaybookIR } = await import('../../simulate/load-playbook.ts');
  const loaded = await loadPlaybookIR(arg, io, 'enrol');
  return 'exit' in loaded ? loaded.exit : loaded.ir.playbook;
}

/** A customer file as the API takes it; a string says what is wrong with it. */
interface CustomerFile {
  customer: { id: string } & Record<string, unknown>;
  contract: unknown;
  events: unknown[];
}

async function readCustomerFile(path: string): Promise<CustomerFile | string> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== undefined ? `cannot read: ${code}` : `not valid YAML: ${(err as Error).message.split('\n')[0]}`;
  }
  if (!isRecord(raw)) return "a customer file is a map with 'customer' and 'contract' (and 'events')";
  const customer = raw['customer'];
  if (!isRecord(customer)) return "'customer' must be a map with an 'id' and the declared attributes";
  const id = customer['id'];
  if (typeof id !== 'string' && typeof id !== 'number') return "'customer.id' is missing";
  const events = raw['events'] ?? [];
  if (!Array.isArray(events)) return "'events' must be a list";
  // The attribute and contract values go as written: the API checks them against the playbook.
  return { customer: { ...customer, id: String(id) }, contract: raw['contract'], events };
}

/**
 * A timeline's events as enrolment history. The API needs an id per event
 * (its idempotency key); one the file does not give is derived from the
 * event itself, so enrolling with the same file again stores nothing twice.
 */
function historyEvents(customerId: string, events: unknown[]): unknown[] {
  const seen = new Map<string, number>();
  return events.map((e) => {
    if (!isRecord(e) || e['id'] !== undefined) return e;
    const digest = createHash('sha256').update(JSON.stringify([customerId, e['at'], e['type'], e['data'] ?? null])).digest('hex').slice(0, 16);
    // Two identical events in one file are two events: number the repeats.
    const n = (seen.get(digest) ?? 0) + 1;
    seen.set(digest, n);
    return { ...e, id: `enrol-${digest}${n > 1 ? `-${n}` : ''}` };
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export default enrol;
