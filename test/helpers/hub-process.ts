import net from 'node:net';
import { type OteProcess, spawnOte } from './agent-process.js';
import { ADMIN, type TestDatabase } from './hub.js';
import { eventually } from './wait.js';

/** A real hub in its own process (`ote serve`), so a test can SIGKILL it and start it again on the same data. */
export interface HubProcess extends OteProcess {
  readonly url: string;
  readonly port: number;
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `ote serve` on `database` (its data dir, and its PostgreSQL URL when
 * it has one) and waits until /readyz answers. Pass `port` to restart a hub at
 * the same address its agents dial.
 */
export async function startHubProcess(
  database: TestDatabase,
  env: Record<string, string> = {},
  port?: number,
): Promise<HubProcess> {
  const p = port ?? (await freePort());
  const url = `http://127.0.0.1:${p}`;
  const proc = spawnOte(['serve'], {
    OTE_DATA_DIR: database.dataDir,
    OTE_HOST: '127.0.0.1',
    OTE_PORT: String(p),
    OTE_PUBLIC_URL: url,
    OTE_ADMIN_USER: ADMIN.user,
    OTE_ADMIN_PASSWORD: ADMIN.password,
    OTE_LOG_LEVEL: process.env.OTE_TEST_LOG_LEVEL ?? 'warn',
    ...(database.url ? { OTE_DATABASE_URL: database.url } : {}),
    ...env,
  });
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  try {
    await eventually(
      'the hub process to answer /readyz',
      async () => {
        if (exited) throw new Error(`the hub exited: ${proc.log().slice(-2000)}`);
        const res = await fetch(`${url}/readyz`).catch(() => null);
        return res?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  return { ...proc, url, port: p };
}
