import type { ClusterFacts, DesiredStateContributor } from '../agent-link/desired-builder.js';
import type { DesiredState } from '../agent-link/protocol.js';
import { approvedBusinesses } from '../businesses/store.js';
import type { SettingsService } from '../settings/service.js';
import * as appClusters from './app-cluster-store.js';
import { buildObjects, dependsOnCluster } from './objects.js';
import { placedOn } from './placement.js';
import * as revisions from './revision-store.js';
import type { AppSpec } from './schemas.js';
import * as store from './store.js';
import type { Db } from './store.js';

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
      const assignments = await assignmentsOf(
        db,
        clusters.map((c) => c.id),
      );
      const specs = await specsOf(db, apps, assignments);
      const { enableIngress } = await settings.get(db);
      // An application's objects at one revision are the same in every cluster: build them once.
      const built = new Map<string, Record<string, unknown>[]>();
      const objectsOf = (app: PlacedApp, revision: number, spec: AppSpec, cluster: ClusterFacts) => {
        // Overrides and ${CLUSTER_NAME} make the objects the cluster's own.
        const key = dependsOnCluster(spec) ? `${app.id}:${revision}:${cluster.id}` : `${app.id}:${revision}`;
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
            cluster: { name: cluster.name, labels: cluster.labels },
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
          workloads.push(...objectsOf(app, revision, spec, c));
        }
        if (workloads.length > 0) out.set(c.id, { workloads });
      }
      return out;
    },
  };
}

/** The running applications of approved businesses, by business and name. */
export async function runningApps(db: Db): Promise<PlacedApp[]> {
  const approved = new Set((await approvedBusinesses(db)).map((b) => b.id));
  const rows = (await store.runningApps(db)).filter((r) => approved.has(r.business_id));
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
  const rows = await appClusters.assignmentsOn(db, clusterIds);
  return new Map(rows.map((r) => [`${r.app_id}:${r.cluster_id}`, { revision: r.revision, removed: r.removed === 1 }]));
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
  for (const r of await revisions.approvedRevisions(db, appIds)) {
    const key = `${r.app_id}:${r.revision}`;
    if (wanted.has(key)) out.set(key, JSON.parse(r.spec) as AppSpec);
  }
  return out;
}
