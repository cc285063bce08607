import { sql } from 'kysely';
import { type ParamValue, runPrecompiled } from '../db/precompiled.js';
import type { Db } from '../db/types.js';
import { type Paging, applyPage } from '../http/paging.js';
import { chunks } from '../lib/chunks.js';

/** What the cluster API shows of a cluster row. */
export interface ClusterRecord {
  id: number;
  name: string;
  paused: number;
  session_id: string | null;
  last_heartbeat: number | null;
  create_time: number;
}

const CLUSTER_COLUMNS = ['id', 'name', 'paused', 'session_id', 'last_heartbeat', 'create_time'] as const;

export async function insertCluster(db: Db, name: string, tokenHash: string, now: number): Promise<number> {
  const row = await db
    .insertInto('clusters')
    .values({ name, name_key: name.toLowerCase(), token_hash: tokenHash, paused: 0, create_time: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export function findByName(db: Db, name: string): Promise<ClusterRecord | undefined> {
  return db.selectFrom('clusters').select(CLUSTER_COLUMNS).where('name_key', '=', name.toLowerCase()).executeTakeFirst();
}

/** Clusters by name (case-insensitively); the caller compares the answer with what it asked for. */
export function findByNames(db: Db, names: readonly string[]): Promise<ClusterRecord[]> {
  const keys = [...new Set(names.map((n) => n.toLowerCase()))];
  return db.selectFrom('clusters').select(CLUSTER_COLUMNS).where('name_key', 'in', keys).execute();
}

export async function listClusters(
  db: Db,
  label: string | undefined,
  paging: Paging,
): Promise<{ rows: (ClusterRecord & { node_count: number })[]; total: number }> {
  // Built and compiled once per shape (issue #13); the label filter is the first value if any.
  const values: ParamValue[] = label === undefined ? [] : [label];
  const base = (v: readonly ParamValue[]) => {
    let q = db.selectFrom('clusters');
    if (label !== undefined) {
      q = q.where(
        'clusters.id',
        'in',
        db
          .selectFrom('cluster_labels')
          .select('cluster_id')
          .where('label', '=', v[0] as string),
      );
    }
    return q;
  };
  const filter = label === undefined ? 'all' : 'label';
  const paged = paging.pageSize !== 0;
  const pageValues = paged ? [...values, paging.pageSize, (paging.page - 1) * paging.pageSize] : values;
  const [[{ total }], rows] = await Promise.all([
    runPrecompiled(db, `clusters.count:${filter}`, values, (v) => base(v).select((eb) => eb.fn.countAll<number>().as('total'))),
    runPrecompiled(db, `clusters.page:${filter}:${paging.order}:${paged}`, pageValues, (v) => {
      const q = base(v)
        .select(CLUSTER_COLUMNS.map((c) => `clusters.${c}` as const))
        .select((eb) =>
          eb
            .selectFrom('nodes')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('nodes.cluster_id', '=', 'clusters.id')
            .as('node_count'),
        )
        .orderBy('clusters.name', paging.order)
        .orderBy('clusters.id', paging.order);
      return paged ? q.limit(v[values.length] as number).offset(v[values.length + 1] as number) : q;
    }),
  ]);
  return { rows: rows.map((r) => ({ ...r, node_count: Number(r.node_count ?? 0) })), total: Number(total) };
}

/** Id lists up to this long (a page's) get a query compiled once per length; longer ones are built each time. */
const PRECOMPILED_IDS = 100;

/** Labels per cluster id, each list in byte order. */
export async function labelsOf(db: Db, ids: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (ids.length === 0) return out;
  const rows = [];
  const query = (part: readonly number[]) =>
    db.selectFrom('cluster_labels').select(['cluster_id', 'label']).where('cluster_id', 'in', part).orderBy('label');
  // A page may be every cluster (pageSize 0 is the default): ids go in bounded chunks.
  for (const part of chunks(ids)) {
    rows.push(
      ...(part.length <= PRECOMPILED_IDS
        ? await runPrecompiled(db, `clusters.labels:${part.length}`, part, (v) => query(v as number[]))
        : await query(part).execute()),
    );
  }
  for (const r of rows) {
    const list = out.get(r.cluster_id) ?? [];
    list.push(r.label);
    out.set(r.cluster_id, list);
  }
  return out;
}

export async function addLabel(db: Db, ids: readonly number[], label: string, now: number): Promise<void> {
  await db
    .insertInto('cluster_labels')
    .values(ids.map((id) => ({ cluster_id: id, label, create_time: now })))
    .onConflict((oc) => oc.columns(['cluster_id', 'label']).doNothing())
    .execute();
}

export async function removeLabel(db: Db, ids: readonly number[], label: string): Promise<void> {
  await db.deleteFrom('cluster_labels').where('cluster_id', 'in', ids).where('label', '=', label).execute();
}

export async function distinctLabels(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('cluster_labels').select('label').distinct().orderBy('label').execute();
  return rows.map((r) => r.label);
}

export async function labelsPage(
  db: Db,
  clusterId: number,
  paging: Paging,
): Promise<{ rows: { label: string; create_time: number }[]; total: number }> {
  const { total } = await db
    .selectFrom('cluster_labels')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .where('cluster_id', '=', clusterId)
    .executeTakeFirstOrThrow();
  const q = db
    .selectFrom('cluster_labels')
    .select(['label', 'create_time'])
    .where('cluster_id', '=', clusterId)
    .orderBy('label', paging.order);
  return { rows: await applyPage(q, paging).execute(), total: Number(total) };
}

/** Deletes the cluster and its labels (its nodes first: `nodes.deleteNodesOfCluster`). */
export async function deleteCluster(db: Db, id: number): Promise<void> {
  await db.deleteFrom('cluster_labels').where('cluster_id', '=', id).execute();
  await db.deleteFrom('clusters').where('id', '=', id).execute();
}

export async function setTokenHash(db: Db, id: number, tokenHash: string): Promise<void> {
  await db.updateTable('clusters').set({ token_hash: tokenHash }).where('id', '=', id).execute();
}

export async function setPaused(db: Db, id: number, paused: boolean): Promise<void> {
  await db
    .updateTable('clusters')
    .set({ paused: paused ? 1 : 0 })
    .where('id', '=', id)
    .execute();
}

// --- reads for application placement and status (src/apps) ---

/** Every cluster, or those carrying `label` (null: every one), in name order. */
export function clustersLabelled(db: Db, label: string | null): Promise<{ id: number; name: string; paused: number }[]> {
  let q = db.selectFrom('clusters').select(['clusters.id', 'clusters.name', 'clusters.paused']);
  if (label !== null) {
    q = q.where('clusters.id', 'in', db.selectFrom('cluster_labels').select('cluster_id').where('label', '=', label));
  }
  return q.orderBy('clusters.name').orderBy('clusters.id').execute();
}

export async function allClusterIds(db: Db): Promise<number[]> {
  return (await db.selectFrom('clusters').select('id').execute()).map((r) => r.id);
}

/** Ids of the clusters carrying any of these labels. */
export async function clusterIdsWithAnyLabel(db: Db, labels: readonly string[]): Promise<number[]> {
  if (labels.length === 0) return [];
  const rows = await db
    .selectFrom('cluster_labels')
    .select('cluster_id')
    .distinct()
    .where('label', 'in', [...labels])
    .execute();
  return rows.map((r) => r.cluster_id);
}

/** Every cluster with what its liveness is judged by, in name order. */
export function clustersWithLiveness(
  db: Db,
): Promise<Pick<ClusterRecord, 'id' | 'name' | 'paused' | 'session_id' | 'last_heartbeat'>[]> {
  return db
    .selectFrom('clusters')
    .select(['id', 'name', 'paused', 'session_id', 'last_heartbeat'])
    .orderBy('name')
    .orderBy('id')
    .execute();
}

/** Every (cluster, label) pair. */
export function allClusterLabels(db: Db): Promise<{ cluster_id: number; label: string }[]> {
  return db.selectFrom('cluster_labels').select(['cluster_id', 'label']).execute();
}

/**
 * What the desired state of each cluster is placed by (the agent link's
 * ClusterFacts, labels in order); unknown ids are left out.
 */
export async function clusterFacts(
  db: Db,
  clusterIds: readonly number[],
): Promise<{ id: number; name: string; paused: boolean; labels: string[] }[]> {
  const facts: { id: number; name: string; paused: boolean; labels: string[] }[] = [];
  for (const ids of chunks(clusterIds)) {
    const rows = await db.selectFrom('clusters').select(['id', 'name', 'paused']).where('id', 'in', ids).execute();
    const labels = await db
      .selectFrom('cluster_labels')
      .select(['cluster_id', 'label'])
      .where('cluster_id', 'in', ids)
      .orderBy('label')
      .execute();
    const byCluster = new Map<number, string[]>();
    for (const l of labels) {
      const list = byCluster.get(l.cluster_id);
      if (list) list.push(l.label);
      else byCluster.set(l.cluster_id, [l.label]);
    }
    for (const r of rows) facts.push({ id: r.id, name: r.name, paused: r.paused === 1, labels: byCluster.get(r.id) ?? [] });
  }
  return facts;
}

/** Every cluster's liveness facts, for the alerts (platform-wide: clusters belong to no business). */
export function clusterLiveness(db: Db) {
  return db.selectFrom('clusters').select(['id', 'name', 'session_id', 'last_heartbeat', 'create_time']).execute();
}

/**
 * The fleet's clusters by state for /metrics, in one aggregate query: never connected (no
 * heartbeat ever), paused, ready (an agent holds it, heartbeat after `cutoff`) or not; and
 * `behind`: ready, unpaused clusters whose agent has not acknowledged the desired generation.
 */
export async function clusterFigures(
  db: Db,
  cutoff: number,
): Promise<{ neverConnected: number; paused: number; ready: number; notReady: number; behind: number }> {
  const live = sql`session_id is not null and last_heartbeat > ${cutoff}`;
  const r = await db
    .selectFrom('clusters')
    .select([
      sql<number>`count(*)`.as('total'),
      sql<number | null>`sum(case when last_heartbeat is null then 1 else 0 end)`.as('never'),
      sql<number | null>`sum(case when last_heartbeat is not null and paused = 1 then 1 else 0 end)`.as('paused'),
      sql<number | null>`sum(case when last_heartbeat is not null and paused = 0 and ${live} then 1 else 0 end)`.as('ready'),
      sql<
        number | null
      >`sum(case when paused = 0 and ${live} and (acked_generation is null or acked_generation < generation) then 1 else 0 end)`.as(
        'behind',
      ),
    ])
    .executeTakeFirstOrThrow();
  const n = (v: number | string | null) => Number(v ?? 0);
  const [total, never, paused, ready] = [n(r.total), n(r.never), n(r.paused), n(r.ready)];
  return { neverConnected: never, paused, ready, notReady: total - never - paused - ready, behind: n(r.behind) };
}
