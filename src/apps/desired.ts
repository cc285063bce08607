import type { ClusterFacts, DesiredStateContributor } from '../agent-link/desired-builder.js';
import { chunks } from '../lib/chunks.js';
import type { DesiredState } from '../agent-link/protocol.js';
import type { SettingsService } from '../settings/service.js';
import { BusinessStatus } from '../access/roles.js';
import { buildObjects } from './objects.js';
import { ALL } from './placement.js';
import type { AppSpec } from './schemas.js';
import type { Db } from '../db/types.js';

/** A running application and what placement needs of it. */
export interface PlacedApp {
  readonly id: number;
  readonly businessId: number;
  readonly appName: string;
  readonly clusterLabel: string;
  readonly replicas: number;
  readonly runningRevision: number;
  /** A batched rollout is moving clusters one batch at a time: each cluster runs its own assigned revision. */
  readonly inRollout: boolean;
}

/** Per (app, cluster): the revision assigned by a batched rollout and whether deleteDeploy removed it there. */
export interface ClusterAssignment {
  readonly revision: number | null;
  readonly removed: boolean;
}

/** Does an application with this `clusterLabel` belong on a cluster with these labels? */
export const placedOn = (clusterLabel: string, labels: readonly string[]): boolean =>
  clusterLabel === ALL || labels.includes(clusterLabel);

/** The revision a cluster runs, or null for none (removed, or its rollout batch has not come). */
export function revisionFor(app: PlacedApp, a: ClusterAssignment | undefined): number | null {
  if (a?.removed) return null;
  return app.inRollout ? (a?.revision ?? null) : app.runningRevision;
}

/**
 * Application Management's part of each cluster's desired state: the objects
 * of every approved application of an approved business whose clusterLabel
 * matches the cluster. A pure function of the database, read once per
 * recompute for all the clusters asked about.
 */
export function appsContributor(settings: SettingsService, registryDomain: string | undefined): DesiredStateContributor {
  return {
    name: 'applications',
    async contribute(db: Db, clusters: readonly ClusterFacts[]) {
      const out = new Map<number, Partial<DesiredState>>();
      if (clusters.length === 0) return out;
      const apps = await runningApps(db);
      if (apps.length === 0) return out;
      const assignments = await assignmentsOf(db, clusters.map((c) => c.id));
      const specs = await specsOf(db, apps, assignments);
      const { enableIngress } = await settings.get(db);
      // An application's objects at one revision are the same in every cluster: build them once.
      const built = new Map<string, Record<string, unknown>[]>();
      const objectsOf = (app: PlacedApp, revision: number, spec: AppSpec) => {
        const key = `${app.id}:${revision}`;
        let objs = built.get(key);
        if (!objs) {
          objs = buildObjects({
            appId: app.id,
            businessId: app.businessId,
            appName: app.appName,
            revision,
            spec,
            replicas: app.replicas,
            registryDomain,
            enableIngress,
          });
          built.set(key, objs);
        }
        return objs;
      };
      for (const c of clusters) {
        const workloads: Record<string, unknown>[] = [];
        for (const app of apps) {
          if (!placedOn(app.clusterLabel, c.labels)) continue;
          const revision = revisionFor(app, assignments.get(`${app.id}:${c.id}`));
          const spec = revision === null ? undefined : specs.get(`${app.id}:${revision}`);
          if (revision === null || !spec) continue;
          workloads.push(...objectsOf(app, revision, spec));
        }
        if (workloads.length > 0) out.set(c.id, { workloads });
      }
      return out;
    },
  };
}

export async function runningApps(db: Db): Promise<PlacedApp[]> {
  const rows = await db
    .selectFrom('applications')
    .innerJoin('businesses', 'businesses.id', 'applications.business_id')
    .select([
      'applications.id',
      'applications.business_id',
      'applications.app_name',
      'applications.cluster_label',
      'applications.replicas',
      'applications.running_revision',
      'applications.rollout_batch_start',
    ])
    .where('businesses.status', '=', BusinessStatus.approved)
    .where('applications.running_revision', 'is not', null)
    .orderBy('applications.business_id')
    .orderBy('applications.name_key')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    businessId: r.business_id,
    appName: r.app_name,
    clusterLabel: r.cluster_label,
    replicas: r.replicas,
    runningRevision: r.running_revision as number,
    inRollout: r.rollout_batch_start !== null,
  }));
}

async function assignmentsOf(db: Db, clusterIds: readonly number[]): Promise<Map<string, ClusterAssignment>> {
  const out = new Map<string, ClusterAssignment>();
  for (const ids of chunks(clusterIds)) {
    const rows = await db
      .selectFrom('app_clusters')
      .select(['app_id', 'cluster_id', 'revision', 'removed'])
      .where('cluster_id', 'in', ids)
      .execute();
    for (const r of rows) out.set(`${r.app_id}:${r.cluster_id}`, { revision: r.revision, removed: r.removed === 1 });
  }
  return out;
}

/** The specs of every revision some cluster runs: the running ones, plus older ones mid-rollout. */
async function specsOf(
  db: Db,
  apps: readonly PlacedApp[],
  assignments: ReadonlyMap<string, ClusterAssignment>,
): Promise<Map<string, AppSpec>> {
  const wanted = new Set(apps.map((a) => `${a.id}:${a.runningRevision}`));
  const rolling = new Set(apps.filter((a) => a.inRollout).map((a) => a.id));
  for (const [key, a] of assignments) {
    const appId = Number(key.split(':')[0]);
    if (rolling.has(appId) && a.revision !== null) wanted.add(`${appId}:${a.revision}`);
  }
  const out = new Map<string, AppSpec>();
  const appIds = [...new Set([...wanted].map((k) => Number(k.split(':')[0])))];
  for (const ids of chunks(appIds)) {
    const rows = await db
      .selectFrom('app_revisions')
      .select(['app_id', 'revision', 'spec'])
      .where('app_id', 'in', ids)
      .where('status', '=', 1)
      .execute();
    for (const r of rows) {
      const key = `${r.app_id}:${r.revision}`;
      if (wanted.has(key)) out.set(key, JSON.parse(r.spec) as AppSpec);
    }
  }
  return out;
}
