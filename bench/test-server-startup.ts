/**
 * How long Temporal's time-skipping test server takes to listen, started the
 * way @temporalio/testing starts it (the launcher from scripts/provision.ts,
 * argv `<port>`). The SDK gives it a fixed ~5 s, so this must stay well below.
 *
 *   node bench/test-server-startup.ts [runs]
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { testServerPath } from '../scripts/temporal/binaries.ts';
import { freePort } from '../scripts/temporal/dev-server.ts';

const runs = Number(process.argv[2] ?? 10);

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(testServerPath(), [String(port)], { stdio: 'ignore' });
  while (!(await listening(port))) await new Promise((r) => setTimeout(r, 10));
  times.push(performance.now() - started);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}
times.sort((a, b) => a - b);
const pick = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(0);
console.log(`test server start-up to listening, ${runs} runs: median ${pick(0.5)} ms, p90 ${pick(0.9)} ms, max ${pick(1)} ms`);
