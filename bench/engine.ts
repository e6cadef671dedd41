/**
 * Engine benchmark: customer-years simulated per second for the clinic
 * playbook with a realistic generated timeline (about 100 events a year),
 * expression evaluations per second, and the journey state's size after 3
 * simulated years. Writes the figures into docs/benchmarks.md ("Engine").
 *
 *   node bench/engine.ts [customers=5000] [--no-write]
 *
 * `--no-write` prints the figures without touching docs/benchmarks.md (for
 * profiling runs).
 */
import { fileURLToPath } from 'node:url';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { compilePlaybook } from '../dsl/index.ts';
import { templatesBeside } from '../client/files/template-files.ts';
import { advanceJourney, nextInstant, receiveEvents, startJourney } from '../workflows/engine/index.ts';
import { compiled, evaluate, newContext } from '../workflows/engine/evaluator.ts';
import type { JourneyEvent, JourneyState } from '../workflows/engine/types.ts';
import { clinicAttrs as attrs, clinicTimeline } from './clinic-timeline.ts';

const args = process.argv.slice(2);
const noWrite = args.includes('--no-write');
const customers = Number(args.find((a) => !a.startsWith('--')) ?? 5000);
const root = new URL('../', import.meta.url);
const ir = compilePlaybook(readFileSync(new URL('playbooks/clinic-first-year.yaml', root), 'utf8'), 'playbooks/clinic-first-year.yaml', { templates: templatesBeside(fileURLToPath(new URL('playbooks/clinic-first-year.yaml', root))) }).ir!;
function simulate(i: number, events: JourneyEvent[], start: number, end: number): JourneyState {
  const s0 = startJourney(ir, { customer: { id: `c${i}`, attrs: attrs(i) }, contract: { start, end }, enrolledAt: start });
  return advanceJourney(ir, receiveEvents(ir, s0, events), end).state;
}

// 1. Customer-years per second: one-year journeys, timelines generated beforehand.
const start = Date.UTC(2026, 0, 31);
const end = Date.UTC(2027, 0, 31);
const book = Array.from({ length: customers }, (_, i) => clinicTimeline(i + 1, start, 1));
const eventsPerYear = book.reduce((n, e) => n + e.length, 0) / customers;
for (let i = 0; i < Math.min(500, customers); i++) simulate(i, book[i]!, start, end); // warm-up
let actions = 0;
// CPU time of this process (one thread), so a busy machine does not skew the figure much.
const cpu0 = process.threadCpuUsage();
const t0 = performance.now();
for (let i = 0; i < customers; i++) actions += simulate(i, book[i]!, start, end).actions.length;
const cpuUsed = process.threadCpuUsage(cpu0);
const seconds = (cpuUsed.user + cpuUsed.system) / 1e6;
const wallSeconds = (performance.now() - t0) / 1000;
const customerYearsPerSecond = customers / seconds;

// 2. Expression evaluations per second: every risk condition (health included) of the
// playbook, against a journey half-way through its year.
const mid = Date.UTC(2026, 6, 15);
const midState = advanceJourney(ir, receiveEvents(ir, startJourney(ir, { customer: { id: 'x', attrs: attrs(1) }, contract: { start, end }, enrolledAt: start }), book[1]!), mid).state;
const pb = compiled(ir);
const rules = pb.riskWhen;
const rounds = 200_000;
let sink = 0;
const cpu1 = process.threadCpuUsage();
for (let r = 0; r < rounds; r++) {
  const c = newContext(midState, mid);
  for (const rule of rules) if (evaluate(rule, c).value === true) sink++;
}
const cpuEval = process.threadCpuUsage(cpu1);
const evalsPerSecond = (rounds * rules.length) / ((cpuEval.user + cpuEval.system) / 1e6);

// Wake-ups: the instants a journey is processed at (a durable journey's timers and
// signals), counted by stepping from one `nextInstant` to the next, on 200 customers.
let instants = 0;
const sample = Math.min(200, customers);
for (let i = 0; i < sample; i++) {
  let s = receiveEvents(ir, startJourney(ir, { customer: { id: `w${i}`, attrs: attrs(i) }, contract: { start, end }, enrolledAt: start }), book[i]!);
  for (let t = nextInstant(ir, s); t !== null; t = nextInstant(ir, s)) {
    instants++;
    s = advanceJourney(ir, s, t).state;
  }
}

// 3. State size after 3 simulated years (same event rate), as JSON bytes.
const threeYears = clinicTimeline(99, start, 3);
const s3 = simulate(99, threeYears, start, Date.UTC(2029, 0, 31));
const stateBytes = JSON.stringify(s3).length;
const withoutLog = JSON.stringify({ ...s3, actions: [], risks: [] }).length;

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const lines = [
  `\`node bench/engine.ts ${customers}\` on ${cpu}, Node ${process.versions.node}, one thread:`,
  '',
  '| figure | value |',
  '| --- | ---: |',
  `| customer-years simulated per CPU second (clinic-first-year, ${eventsPerYear.toFixed(0)} events a year, ${customers} customers) | ${Math.round(customerYearsPerSecond).toLocaleString('en')} |`,
  `| the same per wall-clock second (machine load at the time: ${loadavg()[0]!.toFixed(1)}) | ${Math.round(customers / wallSeconds).toLocaleString('en')} |`,
  `| actions fired per customer-year | ${(actions / customers).toFixed(1)} |`,
  `| instants processed (wake-ups) per customer-year, events included | ${(instants / sample).toFixed(0)} |`,
  `| risk conditions evaluated per second (health with 4 components included) | ${Math.round(evalsPerSecond).toLocaleString('en')} |`,
  `| state after 3 simulated years (${threeYears.length} events), JSON | ${stateBytes.toLocaleString('en')} bytes |`,
  `| of which not the action log and risk raises | ${withoutLog.toLocaleString('en')} bytes |`,
];
console.log(lines.join('\n'));
if (sink < 0) console.log(sink);
if (noWrite) process.exit(0);

const docPath = new URL('docs/benchmarks.md', root);
const section = `## Engine\n\n${lines.join('\n')}\n`;
let doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
// The figures only: notes under their own `###` heading in the section (a before/after) stay.
const re = /## Engine\n[\s\S]*?(?=\n## |\n### |$)/;
doc = re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}`;
writeFileSync(docPath, doc);
