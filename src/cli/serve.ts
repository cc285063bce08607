import type { AddressInfo } from 'node:net';
import { type Config, ConfigError, loadConfig, publicUrlWarning } from '../config/config.js';
import { createHub } from '../server/app.js';

type Overrides = Partial<Record<keyof Config, string | undefined>>;

/** Runs the hub until SIGINT/SIGTERM. */
export async function serve(flags: Overrides): Promise<void> {
  let config: Config;
  try {
    const overrides = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
    config = loadConfig(process.env, overrides);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`ote: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const hub = await createHub(config);
  const log = hub.app.log;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    hub.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  let address: string;
  try {
    address = await hub.app.listen({ host: config.OTE_HOST, port: config.OTE_PORT });
  } catch (err) {
    // A port in use or a host that is no local address: say which setting to change.
    await hub.close().catch(() => {});
    console.error(`ote: cannot listen on ${config.OTE_HOST}:${config.OTE_PORT} (OTE_HOST / OTE_PORT): ${(err as Error).message}`);
    process.exit(2);
  }
  log.info({ database: hub.services.db.description }, `OTE hub listening on ${address} (docs: ${address}/docs)`);
  const warning = publicUrlWarning(config, (hub.app.server.address() as AddressInfo | null)?.port);
  if (warning) log.warn(warning);
}
