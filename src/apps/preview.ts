import { isReady } from '../clusters/readiness.js';
import * as clusterStore from '../clusters/store.js';
import * as appClusters from './app-cluster-store.js';
import { revisionFor } from './desired.js';
import { diffObjects } from './diff.js';
import { buildObjects } from './objects.js';
import { placedOn } from './placement.js';
import * as revisions from './revision-store.js';
import type { AppSpec, PreviewCluster } from './schemas.js';
import type { AppRecord, Db } from './store.js';
import { parseSpec } from './views.js';

/**
 * What an application's objects would be on each cluster (API.md §8.1), from
 * the one renderer the agents' desired state uses (objects.ts buildObjects):
 * the preview cannot differ from what is applied. Reads only.
 */
export interface RenderContext {
  readonly registryDomain: string | undefined;
  readonly enableIngress: boolean;
  readonly graceSeconds: number;
  readonly now: number;
}

interface ClusterView {
  readonly id: number;
  readonly name: string;
  readonly labels: string[];
  readonly isReady: boolean;
  readonly paused: boolean;
}

async function clusters(db: Db, ctx: RenderContext): Promise<ClusterView[]> {
  const labels = new Map<number, string[]>();
  for (const l of await clusterStore.allClusterLabels(db)) {
    const list = labels.get(l.cluster_id);
    if (list) list.push(l.label);
    else labels.set(l.cluster_id, [l.label]);
  }
  return (await clusterStore.clustersWithLiveness(db)).map((c) => ({
    id: c.id,
    name: c.name,
    labels: (labels.get(c.id) ?? []).sort(),
    isReady: isReady(c, ctx.now, ctx.graceSeconds),
    paused: c.paused === 1,
  }));
}

/** The application a new spec would make: its id is not known yet, so its objects carry id 0. */
export const NEW_APP_ID = 0;

/** A spec not yet stored (POST /v1/app/preview): its objects on every cluster it would be placed on now, as revision 1. */
export async function previewNew(db: Db, ctx: RenderContext, businessId: number, spec: AppSpec): Promise<PreviewCluster[]> {
  return (await clusters(db, ctx))
    .filter((c) => placedOn(spec.clusterLabel, c.labels))
    .map((c) => ({
      clusterName: c.name,
      isReady: c.isReady,
      paused: c.paused,
      objects: render(ctx, { id: NEW_APP_ID, businessId, appName: spec.appName }, 1, spec, spec.replicas, c),
    }));
}

/**
 * An existing application at `revision`, against what each cluster runs now (the revision its
 * desired state gives it: the running one, or mid-rollout the one its batch assigned), with the
 * clusters that placement adds or removes. `app` was read through the caller's scope.
 */
export async function previewRevision(
  db: Db,
  ctx: RenderContext,
  app: AppRecord,
  revision: number,
  specText: string,
): Promise<PreviewCluster[]> {
  const spec = parseSpec(specText);
  // Scaling changes the running revision's replicas without a new revision; a pending one stores the scaled count.
  const replicas = revision === app.running_revision ? app.replicas : spec.replicas;
  const rows = new Map((await appClusters.rowsOfApps(db, [app.id])).map((r) => [r.cluster_id, r]));
  const placed = {
    id: app.id,
    businessId: app.business_id,
    appName: app.app_name,
    clusterLabel: app.cluster_label,
    replicas: app.replicas,
    runningRevision: app.running_revision as number,
    inRollout: app.rollout_batch_start !== null,
  };
  const specs = new Map<number, AppSpec | undefined>();
  const specAt = async (r: number) => {
    if (!specs.has(r)) {
      const text = await revisions.specOf(db, app.id, r);
      specs.set(r, text === undefined ? undefined : parseSpec(text));
    }
    return specs.get(r);
  };
  const out: PreviewCluster[] = [];
  for (const c of await clusters(db, ctx)) {
    const target = placedOn(spec.clusterLabel, c.labels);
    const nowRevision =
      app.running_revision !== null && placedOn(app.cluster_label, c.labels)
        ? revisionFor(
            placed,
            rows.get(c.id) && { revision: rows.get(c.id)?.revision ?? null, removed: rows.get(c.id)?.removed === 1 },
          )
        : null;
    const nowSpec = nowRevision === null ? undefined : await specAt(nowRevision);
    if (!target && !nowSpec) continue;
    const objects = target ? render(ctx, placed, revision, spec, replicas, c) : [];
    const current = nowSpec && nowRevision !== null ? render(ctx, placed, nowRevision, nowSpec, app.replicas, c) : [];
    const diff = diffObjects(current, objects);
    const change = current.length === 0 ? 'add' : objects.length === 0 ? 'remove' : diff.length > 0 ? 'update' : 'none';
    out.push({ clusterName: c.name, isReady: c.isReady, paused: c.paused, objects, change, currentRevision: nowRevision, diff });
  }
  return out;
}

function render(
  ctx: RenderContext,
  app: { id: number; businessId: number; appName: string },
  revision: number,
  spec: AppSpec,
  replicas: number,
  c: ClusterView,
): Record<string, unknown>[] {
  return buildObjects({
    appId: app.id,
    businessId: app.businessId,
    appName: app.appName,
    revision,
    spec,
    replicas,
    registryDomain: ctx.registryDomain,
    enableIngress: ctx.enableIngress,
    cluster: { name: c.name, labels: c.labels },
  });
}
