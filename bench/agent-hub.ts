/**
 * The hub under agent load, in its own process so that its RSS and CPU can be
 * read from /proc/<pid> apart from the generator. Configuration comes from the
 * environment (OTE_*); prints `LISTENING <url>` once it serves; stops on SIGTERM.
 */
import { createHub } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';

const hub = await createHub(loadConfig(process.env), { logger: { level: process.env.OTE_LOG_LEVEL ?? 'warn' } });
const url = await hub.app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`LISTENING ${url}\n`);
const stop = () => {
  hub.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.once('disconnect', stop);
