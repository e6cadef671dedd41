/**
 * `milepost report`: the managers' figures in the terminal, the same as the
 * dashboard shows (one computation: client/read-model/figures.ts), or as JSON.
 *
 * Reads the database (`DATABASE_URL`, or the embedded one under `.milepost/`)
 * or, with `--api <url>`, asks a running server's `GET /figures` (needed when
 * the embedded database is held by a running `milepost serve`).
 */
import type { Command, CommandIO } from '../command.ts';
import { UsageError } from '../command.ts';
import { reportApiFailure, withApi } from '../api-client.ts';
import { computeFigures, type PortfolioFigures } from '../../read-model/figures.ts';
import { loadPortfolio } from '../../read-model/portfolio.ts';
import { byCohortTable, byCsmTable, milestonesTable, renderTextTable, renewalsTable, risksTable, type AnyTable } from '../../dashboard/tables.ts';
import { money, pct } from '../../dashboard/html.ts';
import { openDatabase } from '../../../store/database.ts';
import { instantOption, parseCommandLine } from '../arguments.ts';

interface Options { json: boolean; playbook?: string; csm?: string; api?: string; asOf?: number }

function parseArgs(argv: string[]): Options {
  const { values, positionals } = parseCommandLine(argv, {
    json: { type: 'boolean', default: false },
    playbook: { type: 'string' },
    csm: { type: 'string' },
    api: { type: 'string' },
    'as-of': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const options: Options = { json: values.json };
  if (values.playbook !== undefined) options.playbook = values.playbook;
  if (values.csm !== undefined) options.csm = values.csm;
  if (values.api !== undefined) options.api = values.api;
  const asOf = instantOption('as-of', values['as-of']);
  if (asOf !== undefined) options.asOf = asOf;
  if (options.api !== undefined && options.asOf !== undefined) throw new UsageError('--as-of works on the database only, not with --api');
  return options;
}

/** Prints the figures a running server computes (`GET /figures`); the exit code. */
function reportFromApi(options: Options, io: CommandIO): Promise<number> {
  return withApi(io, 'report', options.api, async (api) => {
    const response = await api.request('/figures', { query: { playbook: options.playbook, csm: options.csm } });
    if (response.status !== 200) return reportApiFailure(io, 'report', response);
    printFigures(response.body as PortfolioFigures, options, io);
    return 0;
  });
}

function printFigures(figures: PortfolioFigures, options: Options, io: CommandIO): void {
  io.stdout.write(options.json ? `${JSON.stringify(figures, null, 2)}\n` : formatReport(figures));
}

/** The figures as a terminal report. */
export function formatReport(figures: PortfolioFigures): string {
  const r = figures.renewals;
  const a = figures.activation;
  const head = [
    `Milepost report as of ${figures.asOf}`,
    `journeys ${figures.journeys} (${figures.customers} customers${figures.unreported ? `, ${figures.unreported} awaiting a first report` : ''}); outcomes: ${Object.entries(figures.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `activation rate ${pct(a.rate)} (${a.activated} of ${a.eligible}; on time ${pct(a.onTimeRate)})`,
    `renewal rate ${pct(r.rateByCount)} by count (${r.renewed} renewed, ${r.churned} churned), ${pct(r.rateByAmount)} by amount (${money(r.amountRenewed)} of ${money(r.amountClosed)})`,
    `renewals due in the next 90 days: ${r.dueSoon.length}; raised risks: ${figures.risks.length}`,
    '',
  ].join('\n');
  const tables: AnyTable[] = [milestonesTable(figures), byCsmTable(figures), byCohortTable(figures), renewalsTable(figures), risksTable(figures)];
  return [head, ...tables.map((t) => renderTextTable(t))].join('\n');
}

const report: Command = {
  summary: "print the managers' figures: milestones on time/late/missed/overdue, by CSM and cohort, renewals, risks",
  usage: 'milepost report [--playbook <id>] [--csm <email>] [--as-of <instant>] [--json] [--api <url>]',
  uses: (argv) => (argv.some((a) => a === '--api' || a.startsWith('--api=')) ? ['api'] : ['database']),
  async run(argv, io) {
    const options = parseArgs(argv);
    if (options.api !== undefined) return reportFromApi(options, io);
    let database;
    try {
      database = await openDatabase(io.env, io.cwd);
    } catch (err) {
      io.stderr.write(`milepost report: cannot open the database: ${(err as Error).message}\n`);
      return 2;
    }
    try {
      printFigures(computeFigures(await loadPortfolio(database.pool, options), options.asOf ?? Date.now()), options, io);
    } finally {
      await database.close();
    }
    return 0;
  },
};

export default report;
