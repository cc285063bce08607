import type { ClusterFacts, DesiredStateContributor } from '../agent-link/desired-builder.js';
import type { DesiredState } from '../agent-link/protocol.js';
import { approvedBusinesses } from '../businesses/store.js';
import { pacer } from '../lib/slices.js';
import type { SettingsService } from '../settings/service.js';
import * as appClusters from './app-cluster-store.js';
import { buildObjects, clusterRenderKey, dependsOnCluster } from './objects.js';
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
 * The facts of a cluster the renderer reads for this spec, as one key text
 * (objects.ts `clusterRenderKey`: which overrides apply, and the name when
 * `${CLUSTER_NAME}` is used); '' when the objects are the same on every cluster.
 */
export function renderFactsKey(spec: AppSpec, cluster: Pick<ClusterFacts, 'name' | 'labels'>): string {
  return clusterRenderKey(spec, cluster);
}

/** A number per rendered list of objects (by identity), to know clusters that get the same lists. */
const listIds = new WeakMap<readonly object[], number>();
let nextListId = 0;
function listId(list: readonly object[]): number {
  let id = listIds.get(list);
  if (id === undefined) listIds.set(list, (id = nextListId++));
  return id;
}

/** Rendered objects kept at most; past it the cache starts over (per-cluster renders of a large fleet). */
const MAX_RENDERED = 200_000;

type Obj = Record<string, unknown>;

/**
 * Application Management's part of each cluster's desired state: the objects
 * of every approved application of an approved business whose clusterLabel
 * matches the cluster. A pure function of the database, read once per
 * recompute for all the clusters asked about.
 *
 * Rendered objects are kept between recomputes, keyed by everything
 * `buildObjects` reads: the application (its id fixes its name and business),
 * its revision (and that revision's spec text: a revision whose text differs
 * from the cached render's is rendered anew), its effective replicas, the
 * settings and registry domain, and the cluster facts the renderer reads
 * (`renderFactsKey`: overrides that apply, the cluster's name when used). An
 * unchanged application hands every recompute the very same objects, whose
 * JSON and hash the agent link then has already (cost follows the change).
 * Renders of revisions no longer run are dropped on each recompute.
 */
export function appsContributor(settings: SettingsService, registryDomain: string | undefined): DesiredStateContributor {
  /** `${app}:${revision}:${replicas}` → render facts key → objects. */
  const rendered = new Map<string, { specText: string; byFacts: Map<string, Obj[]> }>();
  let renderedCount = 0;
  let renderedWith = '';
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
        apps.filter((a) => a.inRollout).map((a) => a.id),
      );
      const specs = await specsOf(db, apps, assignments);
      const { enableIngress } = await settings.get(db);
      const context = JSON.stringify([enableIngress, registryDomain ?? null]);
      if (context !== renderedWith || renderedCount > MAX_RENDERED) {
        rendered.clear();
        renderedCount = 0;
        renderedWith = context;
      }
      // This recompute's renders of specs that read no cluster fact: one lookup per (app, revision), not per cluster.
      const alike = new Map<string, Obj[]>();
      const objectsOf = (app: PlacedApp, revision: number, spec: Spec, c: ClusterFacts) => {
        const appRevision = `${app.id}:${revision}`;
        if (!spec.perCluster) {
          const hit = alike.get(appRevision);
          if (hit) return hit;
        }
        const renderKey = `${appRevision}:${app.replicas}`;
        let entry = rendered.get(renderKey);
        if (entry?.specText !== spec.text) {
          if (entry) renderedCount -= entry.byFacts.size;
          entry = { specText: spec.text, byFacts: new Map() };
          rendered.set(renderKey, entry);
        }
        const factsKey = spec.perCluster ? renderFactsKey(spec.spec, c) : '';
        let objs = entry.byFacts.get(factsKey);
        if (!objs) {
          objs = buildObjects({
            appId: app.id,
            businessId: app.businessId,
            appName: app.appName,
            revision,
            spec: spec.spec,
            replicas: app.replicas,
            registryDomain,
            enableIngress,
            cluster: { name: c.name, labels: c.labels },
          });
          entry.byFacts.set(factsKey, objs);
          renderedCount++;
        }
        if (!spec.perCluster) alike.set(appRevision, objs);
        return objs;
      };
      // Clusters that run the same objects get one list, frozen: the agent link hashes it once (state-hash.ts).
      const sameObjects = new Map<string, Obj[]>();
      const pace = pacer();
      for (const c of clusters) {
        const p = pace();
        if (p) await p;
        const lists: Obj[][] = [];
        for (const app of apps) {
          if (!placedOn(app.clusterLabel, c.labels)) continue;
          const revision = revisionFor(app, assignments.size === 0 ? undefined : assignments.get(`${app.id}:${c.id}`));
          const spec = revision === null ? undefined : specs.get(`${app.id}:${revision}`);
          if (revision === null || !spec) continue;
          lists.push(objectsOf(app, revision, spec, c));
        }
        const key = lists.map(listId).join(',');
        let workloads = sameObjects.get(key);
        if (!workloads) sameObjects.set(key, (workloads = Object.freeze(lists.flat()) as Obj[]));
        if (workloads.length > 0) out.set(c.id, { workloads });
      }
      // Renders of revisions (or replicas) no longer run anywhere go; the others stay for the next recompute.
      const replicas = new Map(apps.map((a) => [a.id, a.replicas]));
      const current = new Set([...specs.keys()].map((k) => `${k}:${replicas.get(Number(k.split(':')[0]))}`));
      for (const [key, entry] of rendered) {
        if (current.has(key)) continue;
        rendered.delete(key);
        renderedCount -= entry.byFacts.size;
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

/** The assignments that decide a revision (see `revisionFor`): removals, and rows of applications mid-rollout. */
async function assignmentsOf(
  db: Db,
  clusterIds: readonly number[],
  rolling: readonly number[],
): Promise<Map<string, ClusterAssignment>> {
  const rows = await appClusters.assignmentsOn(db, clusterIds, rolling);
  return new Map(rows.map((r) => [`${r.app_id}:${r.cluster_id}`, { revision: r.revision, removed: r.removed === 1 }]));
}

/** A revision's spec, its text, and whether its objects differ from cluster to cluster. */
interface Spec {
  readonly spec: AppSpec;
  readonly text: string;
  readonly perCluster: boolean;
}

/** The specs of every revision some cluster runs: the running ones, plus older ones mid-rollout. */
async function specsOf(
  db: Db,
  apps: readonly PlacedApp[],
  assignments: ReadonlyMap<string, ClusterAssignment>,
): Promise<Map<string, Spec>> {
  const wanted = new Set(apps.map((a) => `${a.id}:${a.runningRevision}`));
  const rolling = new Set(apps.filter((a) => a.inRollout).map((a) => a.id));
  for (const [key, a] of assignments) {
    const appId = Number(key.split(':')[0]);
    if (rolling.has(appId) && a.revision !== null) wanted.add(`${appId}:${a.revision}`);
  }
  const out = new Map<string, Spec>();
  const appIds = [...new Set([...wanted].map((k) => Number(k.split(':')[0])))];
  for (const r of await revisions.approvedRevisions(db, appIds)) {
    const key = `${r.app_id}:${r.revision}`;
    if (!wanted.has(key)) continue;
    const spec = JSON.parse(r.spec) as AppSpec;
    out.set(key, { spec, text: r.spec, perCluster: dependsOnCluster(spec) });
  }
  return out;
}
