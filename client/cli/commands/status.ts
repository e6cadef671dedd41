/**
 * `milepost status <customer-id> [--playbook <id>] [--json] [--api <url>]`:
 * where the customer's journeys stand, through the Milepost API. The
 * customer's journeys come from the store (`GET /journeys?customer=`), each
 * one's report as of now from `GET /customers/<id>/journeys/<playbook>`
 * (reference §15; the report has the shape of reference §12). `--json` prints those
 * reports as a JSON array.
 */
import { UsageError, type Command, type CommandIO } from '../command.ts';
import { reportApiFailure, withApi } from '../api-client.ts';
import { parseCommandLine } from '../arguments.ts';
import type { JourneyReport } from '../../../workflows/engine/types.ts';

/** A row of `GET /journeys` (client/api/routes/reads.ts). */
interface JourneyListRow {
  workflow_id: string;
  customer: string;
  playbook: string;
  playbook_hash: string;
  enrolled_at: string;
  status: string;
  contract: { start: string; end: string };
}

/** More journeys than one customer can have (one per playbook). */
const LIST_LIMIT = '1000';

const status: Command = {
  summary: "show where a customer's journeys stand, through the API",
  usage: 'milepost status <customer-id> [--playbook <id>] [--json] [--api <url>]   (env: MILEPOST_API_TOKEN)',
  uses: ['api'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      playbook: { type: 'string' },
      json: { type: 'boolean', default: false },
      api: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('name one customer id');
    const customerId = positionals[0]!;
    return withApi(io, 'status', values.api, async (api) => {
      const list = await api.request('/journeys', { query: { customer: customerId, playbook: values.playbook, limit: LIST_LIMIT } });
      if (list.status !== 200) return reportApiFailure(io, 'status', list);
      const journeys = (list.body as { journeys: JourneyListRow[] }).journeys;
      if (journeys.length === 0) {
        io.stderr.write(`milepost status: customer '${customerId}' is not enrolled${values.playbook ? ` in playbook '${values.playbook}'` : ' in any playbook'}\n`);
        return 1;
      }
      const found: Array<{ journey: JourneyListRow; report: JourneyReport }> = [];
      for (const journey of journeys) {
        const path = `/customers/${encodeURIComponent(customerId)}/journeys/${encodeURIComponent(journey.playbook)}`;
        // Each term of the playbook its own report (a customer may have several, reference §9).
        const response = await api.request(path, { query: { term: journey.contract.start } });
        if (response.status !== 200) return reportApiFailure(io, 'status', response);
        found.push({ journey, report: response.body as JourneyReport });
      }
      if (values.json) io.stdout.write(`${JSON.stringify(found.map((f) => f.report), null, 2)}\n`);
      else for (const f of found) printJourney(io, f.journey, f.report);
      return 0;
    });
  },
};

function printJourney(io: CommandIO, journey: JourneyListRow, report: JourneyReport): void {
  const raised = report.risks.filter((r) => r.cleared_at === null).map((r) => r.id);
  io.stdout.write(`${report.customer} · ${report.playbook} (${journey.playbook_hash.slice(0, 19)}) · ${report.outcome}\n`);
  io.stdout.write(`  as of ${report.until}; enrolled ${journey.enrolled_at}; ${report.actions.length} action${report.actions.length === 1 ? '' : 's'} fired; risks raised: ${raised.length > 0 ? raised.join(', ') : 'none'}\n`);
  for (const m of report.milestones) {
    const when = m.completed_at !== null ? `completed ${m.completed_at}` : `due ${m.due_at ?? '-'}`;
    io.stdout.write(`  ${m.state.padEnd(8)} ${m.id} (${when})\n`);
  }
}

export default status;
