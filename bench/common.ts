import { type DatabaseHandle, type Db, openDatabase } from '../src/db/index.js';
import { type DbKind, TestDatabase } from '../test/helpers/hub.js';

/** Shared by the benchmark runner and its server children. */
export const BARE_PATH = '/bare';
/** Users in the hub's database during the read benchmark: the system admin plus the seeded ones. */
export const TOTAL_USERS = 10_000;
/** Audit rows in the hub's database for the listing-under-load measurement (issue 11). */
export const AUDIT_ROWS = 100_000;
/** `pageSize=0` audit listings running at once while /healthz is measured. */
export const PARALLEL_LISTINGS = 6;
/** Clusters in the hub's database during the read benchmark (each with 2 labels and 3 nodes). */
export const TOTAL_CLUSTERS = 1_000;
export const NODES_PER_CLUSTER = 3;
/** The two list requests measured, on the hub and on the minimal handler alike. */
export const USER_LIST_PATH = '/v1/admin/user?page=1&pageSize=10';
export const CLUSTER_LIST_PATH = '/v1/cluster?page=1&pageSize=10';

/** Median of `runs` timed calls of `fn`, in ms; `gapMs` of rest before each. */
export async function medianTime(fn: () => Promise<unknown>, runs: number, gapMs = 0): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** Runs `fn` on a fresh, migrated temporary database of `kind`, closed and dropped afterwards. */
export async function withBenchDatabase<T>(kind: DbKind, fn: (db: DatabaseHandle, tdb: TestDatabase) => Promise<T>): Promise<T> {
  const tdb = await TestDatabase.create(kind);
  try {
    const db = await openDatabase({ databaseUrl: tdb.url, dataDir: tdb.dataDir });
    try {
      return await fn(db, tdb);
    } finally {
      await db.close();
    }
  } finally {
    await tdb.drop();
  }
}

/** The approved business that owns the seeded applications; answers its id. */
export async function seedBusiness(k: Db, now: number): Promise<number> {
  const biz = await k
    .insertInto('businesses')
    .values({
      name: 'bench',
      name_key: 'bench',
      user_id: 1,
      introduce: '',
      objective: '',
      scale: '',
      comment: '',
      status: 1,
      create_time: now,
      update_time: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return biz.id;
}

/** The row of seeded cluster number `i` (named c00000, c00001, …), not paused, never connected. */
export function clusterValues(i: number, now: number) {
  const name = `c${String(i).padStart(5, '0')}`;
  return { name, name_key: name, token_hash: `h${i}`, paused: 0, create_time: now };
}

/** An application of `businessId` on `label`, approved and running its revision 1 (`spec`); answers its id. */
export async function seedApplication(
  k: Db,
  o: { readonly businessId: number; readonly name: string; readonly label: string; readonly spec: object; readonly now: number },
): Promise<number> {
  const app = await k
    .insertInto('applications')
    .values({
      business_id: o.businessId,
      app_name: o.name,
      name_key: o.name,
      latest_revision: 1,
      running_revision: 1,
      replicas: 2,
      cluster_label: o.label,
      create_time: o.now,
      update_time: o.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await k
    .insertInto('app_revisions')
    .values({
      app_id: app.id,
      revision: 1,
      spec: JSON.stringify(o.spec),
      status: 1,
      comment: '',
      creator_id: null,
      create_time: o.now,
      update_time: o.now,
    })
    .execute();
  return app.id;
}
