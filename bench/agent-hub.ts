/**
 * The hub under agent load, in its own process so that its RSS and CPU can be
 * read from /proc/<pid> apart from the generator. Configuration comes from the
 * environment (OTE_*); prints `LISTENING <url>` once it serves; stops on SIGTERM.
 *
 * Line commands on stdin (the fleet benchmark's probes), each answered on stdout:
 *   `eld-reset`  starts a new event-loop delay window;
 *   `eld`        → `ELD <max ms> <p99 ms>` of the window so far;
 *   `resync`     runs one safety-net pass now and waits for its recompute → `RESYNC <ms> <max event-loop delay ms>`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config/config.js';
import { createHub } from '../src/server/app.js';

const hub = await createHub(loadConfig(process.env), { logger: { level: process.env.OTE_LOG_LEVEL ?? 'warn' } });
const url = await hub.app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`LISTENING ${url}\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  // Exits whether or not the close succeeded: a signal ends the bench hub either way.
  void hub.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
const ms = (ns: number) => (ns / 1e6).toFixed(1);
// The agent link's safety net and its pump are not public API: the benchmark reaches in.
const link = hub.services.agentLink as unknown as { safetyNet(): void; pump: { idle(): Promise<void> } };
async function command(line: string): Promise<void> {
  switch (line.trim()) {
    case 'eld-reset':
      eld.reset();
      process.stdout.write('ELD-RESET\n');
      return;
    case 'eld':
      process.stdout.write(`ELD ${ms(eld.max)} ${ms(eld.percentile(99))}\n`);
      return;
    case 'resync': {
      eld.reset();
      const t = performance.now();
      link.safetyNet();
      await new Promise((r) => setImmediate(r));
      await link.pump.idle();
      const took = performance.now() - t;
      // Let the histogram's timer record the last stretch.
      await new Promise((r) => setTimeout(r, 50));
      process.stdout.write(`RESYNC ${took.toFixed(0)} ${ms(eld.max)}\n`);
      return;
    }
  }
}
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d: string) => {
  buffered += d;
  let i: number;
  while ((i = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, i);
    buffered = buffered.slice(i + 1);
    void command(line);
  }
});
// The generator holds our stdin: when it goes away (killed, crashed), so do we.
process.stdin.once('end', stop);
process.stdin.resume();
