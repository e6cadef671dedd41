/**
 * `milepost event <customer-id> <type> [--at <instant>] [--data <json>] [--id <key>] [--json] [--api <url>]`
 * sends one event through the Milepost API (`POST /events`, reference §15): the
 * API checks it against the playbooks the customer is enrolled in, stores it,
 * then signals the journeys (ARCHITECTURE: stored before signalled).
 *
 * `--id` is the idempotency key; without it one is made up and printed, so
 * the same event can be sent again safely with `--id`. The older form with a
 * playbook file first (`event <playbook.yaml> <customer-id> <type>`) still
 * works; the file is not needed any more.
 */
import { randomUUID } from 'node:crypto';
import { UsageError, type Command } from '../command.ts';
import { reportApiFailure, withApi } from '../api-client.ts';
import { instantOption, parseCommandLine } from '../arguments.ts';

const event: Command = {
  summary: 'send one event for a customer through the API (stored, then signalled to its journeys)',
  usage: "milepost event <customer-id> <type> [--at <instant>] [--data '<json>'] [--id <key>] [--json] [--api <url>]   (env: MILEPOST_API_TOKEN)",
  uses: ['api'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      at: { type: 'string' },
      data: { type: 'string' },
      id: { type: 'string' },
      json: { type: 'boolean', default: false },
      api: { type: 'string' },
    });
    if (positionals.length === 3 && /\.ya?ml$/i.test(positionals[0]!)) {
      io.stderr.write(`milepost event: note: the playbook file is not needed; the API checks the event against the customer's playbooks\n`);
      positionals.shift();
    }
    if (positionals.length !== 2) throw new UsageError('name a customer id and an event type');
    const [customer, type] = positionals as [string, string];
    const at = instantOption('at', values.at) ?? Date.now();
    let data: unknown;
    if (values.data !== undefined) {
      try {
        data = JSON.parse(values.data);
      } catch {
        throw new UsageError('--data must be a JSON object');
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError('--data must be a JSON object');
    }
    const id = values.id ?? randomUUID();
    const body = { id, customer, type, at: new Date(at).toISOString(), ...(data === undefined ? {} : { data }) };
    return withApi(io, 'event', values.api, async (api) => {
      const response = await api.request('/events', { json: body });
      if (response.status !== 202) return reportApiFailure(io, 'event', response);
      const answer = response.body as { accepted: number; duplicates: number };
      if (values.json) io.stdout.write(`${JSON.stringify({ id, ...answer })}\n`);
      else if (answer.duplicates > 0) io.stdout.write(`event ${id} was already stored; not applied again\n`);
      else io.stdout.write(`stored ${type} at ${body.at} for ${customer} (id ${id})\n`);
      return 0;
    });
  },
};

export default event;
