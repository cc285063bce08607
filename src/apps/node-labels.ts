import * as clusterStore from '../clusters/store.js';
import { Conflict } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import type { NodeLabelRemovalHook } from '../nodes/service.js';
import * as appClusters from './app-cluster-store.js';
import { revisionFor, runningApps } from './desired.js';
import { placedOn } from './placement.js';
import * as revisions from './revision-store.js';
import type { AppSpec } from './schemas.js';

/**
 * API.md §6 `DELETE /v1/node/label`: when the last nodes of a cluster lose a
 * label, the applications there that select it would have no node left. That
 * is a 409 listing them, unless `deleteDeploy`, which removes them from that
 * cluster (state `removed` until a new revision of the application runs).
 * Runs inside the nodes domain's transaction: a refusal takes the removal back.
 */
export const nodeLabelGuard: NodeLabelRemovalHook = async (trx, ctx) => {
  const labels = (await clusterStore.labelsOf(trx, [ctx.clusterId])).get(ctx.clusterId) ?? [];
  const placed = (await runningApps(trx)).filter((a) => placedOn(a.clusterLabel, labels));
  if (placed.length === 0) return;
  const rows = await appClusters.assignmentsOfAppsOn(
    trx,
    ctx.clusterId,
    placed.map((a) => a.id),
  );
  const rowOf = new Map(rows.map((r) => [r.app_id, { revision: r.revision, removed: r.removed === 1 }]));
  const stranded: { id: number; appName: string; businessId: number }[] = [];
  for (const app of placed) {
    const revision = revisionFor(app, rowOf.get(app.id));
    if (revision === null) continue;
    const text = await revisions.specOf(trx, app.id, revision);
    const spec = text === undefined ? undefined : (JSON.parse(text) as AppSpec);
    if (spec?.nodeLabel === ctx.nodeLabel) stranded.push({ id: app.id, appName: app.appName, businessId: app.businessId });
  }
  if (stranded.length === 0) return;
  if (!ctx.deleteDeploy) {
    const names = stranded.map((a) => `${a.appName} (id ${a.id}, business ${a.businessId})`).join(', ');
    throw new Conflict(
      `no node of cluster "${ctx.clusterName}" would keep the label "${ctx.nodeLabel}" that these applications select: ${names}; pass deleteDeploy: true to remove them from that cluster`,
      { applications: stranded },
    );
  }
  const now = nowSeconds();
  for (const a of stranded) {
    await appClusters.markRemoved(trx, a.id, ctx.clusterId, now);
  }
};
