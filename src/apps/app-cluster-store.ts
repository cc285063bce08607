import type { Insertable, Selectable, Updateable } from 'kysely';
import type { AppClustersTable } from '../db/app-tables.js';
import { chunks } from '../lib/chunks.js';
import type { Db } from './store.js';

/**
 * app_clusters: per (application, cluster) the revision a batched rollout
 * assigned, whether deleteDeploy removed it there, and the agent's last report.
 */
export type AppClusterRecord = Selectable<AppClustersTable>;

/** Sets columns on every row of one application. */
export async function setForApp(db: Db, appId: number, set: Updateable<AppClustersTable>): Promise<void> {
  await db.updateTable('app_clusters').set(set).where('app_id', '=', appId).execute();
}

/** Assigns a cluster its revision and batch; a new row also starts its clock at `now`. */
export async function assign(
  db: Db,
  appId: number,
  clusterId: number,
  set: { readonly revision: number | null; readonly batch: number; readonly assigned_time?: number; readonly offline?: number },
  now: number,
): Promise<void> {
  await db
    .insertInto('app_clusters')
    .values({
      app_id: appId,
      cluster_id: clusterId,
      revision: set.revision,
      batch: set.batch,
      assigned_time: now,
      update_time: now,
    })
    .onConflict((oc) => oc.columns(['app_id', 'cluster_id']).doUpdateSet(set))
    .execute();
}

/** The cluster was not ready when its rollout batch started: it keeps what it runs and gets the revision on return. */
export async function markOffline(db: Db, appId: number, clusterId: number, now: number): Promise<void> {
  await db
    .insertInto('app_clusters')
    .values({ app_id: appId, cluster_id: clusterId, revision: null, offline: 1, assigned_time: now, update_time: now })
    .onConflict((oc) => oc.columns(['app_id', 'cluster_id']).doUpdateSet({ offline: 1 }))
    .execute();
}

/** deleteDeploy: the application leaves this cluster until a new revision of it runs. */
export async function markRemoved(db: Db, appId: number, clusterId: number, now: number): Promise<void> {
  await db
    .insertInto('app_clusters')
    .values({ app_id: appId, cluster_id: clusterId, revision: null, removed: 1, assigned_time: now, update_time: now })
    .onConflict((oc) => oc.columns(['app_id', 'cluster_id']).doUpdateSet({ removed: 1, update_time: now }))
    .execute();
}

/** Every row of these applications. */
export async function rowsOfApps(db: Db, appIds: readonly number[]): Promise<AppClusterRecord[]> {
  const rows: AppClusterRecord[] = [];
  for (const ids of chunks(appIds)) {
    rows.push(...(await db.selectFrom('app_clusters').selectAll().where('app_id', 'in', ids).execute()));
  }
  return rows;
}

export type Assignment = Pick<AppClusterRecord, 'app_id' | 'cluster_id' | 'revision' | 'removed'>;

/**
 * What decides the revisions on these clusters: removals (every application)
 * and the rows of the applications given (those mid-rollout). The other rows
 * (agents' reports) are left out: a fleet holds one per application and cluster.
 */
export async function assignmentsOn(db: Db, clusterIds: readonly number[], appIds: readonly number[]): Promise<Assignment[]> {
  const rows: Assignment[] = [];
  for (const ids of chunks(clusterIds)) {
    rows.push(
      ...(await db
        .selectFrom('app_clusters')
        .select(['app_id', 'cluster_id', 'revision', 'removed'])
        .where('cluster_id', 'in', ids)
        .where((eb) =>
          appIds.length > 0 ? eb.or([eb('removed', '=', 1), eb('app_id', 'in', [...appIds])]) : eb('removed', '=', 1),
        )
        .execute()),
    );
  }
  return rows;
}

/** What is assigned to these applications on one cluster. */
export function assignmentsOfAppsOn(db: Db, clusterId: number, appIds: readonly number[]): Promise<Assignment[]> {
  return db
    .selectFrom('app_clusters')
    .select(['app_id', 'cluster_id', 'revision', 'removed'])
    .where('cluster_id', '=', clusterId)
    .where('app_id', 'in', [...appIds])
    .execute();
}

/** An agent's report about one application's workload, as stored. */
export type StoredReport = Pick<
  Required<Insertable<AppClustersTable>>,
  | 'reported'
  | 'reported_revision'
  | 'generation'
  | 'observed_generation'
  | 'desired_replicas'
  | 'updated_replicas'
  | 'ready_replicas'
  | 'available_replicas'
  | 'message'
  | 'update_time'
>;

export async function saveReport(db: Db, appId: number, clusterId: number, report: StoredReport, now: number): Promise<void> {
  await db
    .insertInto('app_clusters')
    .values({ app_id: appId, cluster_id: clusterId, revision: null, assigned_time: now, ...report })
    .onConflict((oc) => oc.columns(['app_id', 'cluster_id']).doUpdateSet(report))
    .execute();
}

/** Forgets the reports of a cluster's objects no longer reported (all but `kept`); answers their application ids. */
export async function forgetReports(db: Db, clusterId: number, kept: readonly number[], now: number): Promise<number[]> {
  let q = db
    .updateTable('app_clusters')
    .set({ reported: 0, reported_revision: null, update_time: now })
    .where('cluster_id', '=', clusterId)
    .where('reported', '=', 1);
  if (kept.length > 0) q = q.where('app_id', 'not in', [...kept]);
  return (await q.returning('app_id').execute()).map((r) => r.app_id);
}
