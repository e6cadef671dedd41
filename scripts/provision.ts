/**
 * `npm run provision` (also run before `npm test` and `npm start`): makes sure
 * the Temporal CLI and the Temporal test server are in `.cache/`. Idempotent and
 * quick when both are there already.
 */
import { provisionTemporalCli, provisionTestServer, type ProvisionResult } from './temporal/binaries.ts';

const log = (line: string) => process.stderr.write(`provision: ${line}\n`);

function report(what: string, result: ProvisionResult): void {
  const took = result.ms > 0 ? ` in ${(result.ms / 1000).toFixed(1)} s` : '';
  log(`${what}: ${result.status} (${result.detail}${took}) -> ${result.path}`);
}

const want = new Set(process.argv.slice(2));
const all = want.size === 0;
let failed = false;
if (all || want.has('cli')) {
  const cli = provisionTemporalCli(log);
  report('Temporal CLI', cli);
  failed ||= cli.status === 'unavailable';
}
if (all || want.has('test-server')) {
  const server = provisionTestServer(log);
  report('Temporal test server', server);
  // Without Java the SDK can still download its own test server where the
  // internet is reachable, so this is a warning, not a failure.
  if (server.status === 'unavailable') log('tests will fall back to the test server that @temporalio/testing downloads');
}
process.exitCode = failed ? 1 : 0;
