/**
 * The HTTP servers under load, each in a child process of bench/run.ts so
 * that autocannon (in the parent) does not share their event loop.
 *   hub  <dataDir> [databaseUrl]  a real hub with TOTAL_USERS users (the admin and seeded ones)
 *   bare <jsonFile>               a minimal Fastify with one GET route answering that JSON
 *   minimal <dataDir> [databaseUrl]  the hand-written list handlers of bench/minimal.ts on the hub's database
 * Reports `{ url }` over IPC once listening; stops on SIGTERM/SIGINT or when the parent goes away.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Fastify from 'fastify';
import { UserStatus } from '../src/access/roles.js';
import { hashPassword } from '../src/auth/passwords.js';
import { loadConfig } from '../src/config/config.js';
import type { DatabaseHandle } from '../src/db/index.js';
import type { NewUser } from '../src/db/types.js';
import { nowSeconds } from '../src/lib/time.js';
import { createHub } from '../src/server/app.js';
import { ADMIN } from '../test/helpers/hub.js';
import { AUDIT_ROWS, BARE_PATH, NODES_PER_CLUSTER, TOTAL_CLUSTERS, TOTAL_USERS } from './common.js';
import { startMinimal } from './minimal.js';

const BATCH = 500;

/**
 * Inserts users straight through the hub's Kysely instance: creating 10,000
 * through the API would cost 10,000 argon2 hashes (~10 minutes). Every row
 * reuses ONE precomputed hash, which is fine for a read benchmark (nobody
 * logs in as these users).
 */
async function seedUsers(db: DatabaseHandle, count: number): Promise<void> {
  const passwordHash = await hashPassword('Bench-Passw0rd');
  const now = nowSeconds();
  await db.kysely.transaction().execute(async (trx) => {
    for (let start = 1; start <= count; start += BATCH) {
      const rows: NewUser[] = [];
      for (let i = start; i < Math.min(start + BATCH, count + 1); i++) {
        const name = `bench${String(i).padStart(5, '0')}`;
        rows.push({
          user_name: name,
          name_key: name,
          password_hash: passwordHash,
          phone: '',
          real_name: `Bench user ${i}`,
          is_admin: 0,
          is_system: 0,
          status: UserStatus.approved,
          business_id: null,
          create_time: now,
          update_time: now,
        });
      }
      await trx.insertInto('users').values(rows).execute();
    }
  });
}

/** Audit rows for the listing benchmark, inserted directly (as many calls would take minutes). */
async function seedAudit(db: DatabaseHandle, count: number): Promise<void> {
  const now = nowSeconds();
  await db.kysely.transaction().execute(async (trx) => {
    for (let start = 0; start < count; start += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, count - start) }, (_, j) => ({
        user_id: 1,
        user_name: ADMIN.user,
        action: 'PUT /v1/admin/user/:userId',
        target: `/v1/admin/user/${start + j + 2}`,
        result: 200,
        client_ip: '127.0.0.1',
        create_time: now - (count - start - j),
      }));
      await trx.insertInto('audit_log').values(rows).execute();
    }
  });
}

/** Clusters with two labels each (one shared by all, one of ten) and a few nodes: what `GET /v1/cluster` joins. */
async function seedClusters(db: DatabaseHandle, count: number): Promise<void> {
  const now = nowSeconds();
  await db.kysely.transaction().execute(async (trx) => {
    for (let start = 1; start <= count; start += BATCH) {
      const names: string[] = [];
      for (let i = start; i < Math.min(start + BATCH, count + 1); i++) names.push(`edge-${String(i).padStart(5, '0')}`);
      const ids = await trx
        .insertInto('clusters')
        .values(
          names.map((name) => ({
            name,
            name_key: name,
            token_hash: createHash('sha256').update(name).digest('hex'),
            paused: 0,
            create_time: now,
          })),
        )
        .returning('id')
        .execute();
      await trx
        .insertInto('cluster_labels')
        .values(
          ids.flatMap(({ id }) => [
            { cluster_id: id, label: 'fleet', create_time: now },
            { cluster_id: id, label: `zone-${id % 10}`, create_time: now },
          ]),
        )
        .execute();
      await trx
        .insertInto('nodes')
        .values(
          ids.flatMap(({ id }) =>
            Array.from({ length: NODES_PER_CLUSTER }, (_, n) => ({
              cluster_id: id,
              name: `node-${n}`,
              os_image: 'Debian GNU/Linux 12',
              kernel_version: '6.1.0',
              internal_ip: `10.0.${n}.1`,
              cpu: 4,
              memory: 8 * 1024 ** 3,
              disk: 100 * 1024 ** 3,
              gpu_count: 0,
              gpu_memory_mib: null,
              ready: 1 as const,
              k8s_labels: '{}',
              update_time: now,
            })),
          ),
        )
        .execute();
    }
  });
}

async function startHub(dataDir: string, databaseUrl: string | undefined) {
  const config = loadConfig({
    OTE_DATA_DIR: dataDir,
    OTE_ADMIN_USER: ADMIN.user,
    OTE_ADMIN_PASSWORD: ADMIN.password,
    OTE_LOG_LEVEL: 'silent',
    // The login measurement keeps 8 logins of one user in flight: each is reserved as a failure until
    // verified (API.md §3), so the default pair limit (5) would answer some with 429. Measure the login path.
    OTE_LOGIN_PAIR_FAILURES: '1000',
    OTE_LOGIN_NAME_FAILURES: '100000',
    ...(databaseUrl ? { OTE_DATABASE_URL: databaseUrl } : {}),
  });
  const hub = await createHub(config);
  try {
    await seedUsers(hub.services.db, TOTAL_USERS - 1); // plus the bootstrapped admin
    await seedAudit(hub.services.db, AUDIT_ROWS);
    await seedClusters(hub.services.db, TOTAL_CLUSTERS);
    const url = await hub.app.listen({ host: '127.0.0.1', port: 0 });
    return { url, close: () => hub.close() };
  } catch (err) {
    await hub.close();
    throw err;
  }
}

async function startBare(jsonFile: string) {
  const body: unknown = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  const app = Fastify({ logger: false });
  app.get(BARE_PATH, async () => body);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

async function main(): Promise<void> {
  const [mode, arg1, arg2] = process.argv.slice(2);
  const server =
    mode === 'hub'
      ? await startHub(arg1, arg2 || undefined)
      : mode === 'minimal'
        ? await startMinimal(arg1, arg2 || undefined, loadConfig({ OTE_DATA_DIR: arg1 }).OTE_HEARTBEAT_GRACE)
        : await startBare(arg1);
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    // Bounded: a hung close must not keep the child (and its database) around.
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  // CPU time spent so far, on request: the runner divides it by the requests served, a cost
  // that (unlike requests/s) holds up while other processes compete for the cores.
  process.on('message', (msg: unknown) => {
    if (msg === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpuMicros: user + system });
    }
  });
  process.send?.({ url: server.url });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
