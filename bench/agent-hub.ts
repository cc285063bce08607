/**
 * The hub under agent load, in its own process so that its RSS and CPU can be
 * read from /proc/<pid> apart from the generator. Configuration comes from the
 * environment (OTE_*); prints `LISTENING <url>` once it serves; stops on SIGTERM.
 */
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
// The generator holds our stdin: when it goes away (killed, crashed), so do we.
process.stdin.once('end', stop);
process.stdin.resume();
