import type { NodeLabelRemovalHook } from '../nodes/service.js';
import { Conflict } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import { placedOn, revisionFor, runningApps } from './desired.js';
import type { AppSpec } from './schemas.js';

/**
 * API.md §6 `DELETE /v1/node/label`: when the last nodes of a cluster lose a
 * label, the applications there that select it would have no node left. That
 * is a 409 listing them, unless `deleteDeploy`, which removes them from that
 * cluster (state `removed` until a new revision of the application runs).
 * Runs inside the nodes domain's transaction: a refusal takes the removal back.
 */
export const nodeLabelGuard: NodeLabelRemovalHook = async (trx, ctx) => {
  const labels = (
    await trx.selectFrom('cluster_labels').select('label').where('cluster_id', '=', ctx.clusterId).execute()
  ).map((r) => r.label);
  const placed = (await runningApps(trx)).filter((a) => placedOn(a.clusterLabel, labels));
  if (placed.length === 0) return;
  const rows = await trx
    .selectFrom('app_clusters')
    .select(['app_id', 'revision', 'removed'])
    .where('cluster_id', '=', ctx.clusterId)
    .where('app_id', 'in', placed.map((a) => a.id))
    .execute();
  const rowOf = new Map(rows.map((r) => [r.app_id, { revision: r.revision, removed: r.removed === 1 }]));
  const stranded: { id: number; appName: string; businessId: number }[] = [];
  for (const app of placed) {
    const revision = revisionFor(app, rowOf.get(app.id));
    if (revision === null) continue;
    const rev = await trx
      .selectFrom('app_revisions')
      .select('spec')
      .where('app_id', '=', app.id)
      .where('revision', '=', revision)
      .executeTakeFirst();
    const spec = rev ? (JSON.parse(rev.spec) as AppSpec) : undefined;
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
    await trx
      .insertInto('app_clusters')
      .values({ app_id: a.id, cluster_id: ctx.clusterId, revision: null, removed: 1, assigned_time: now, update_time: now })
      .onConflict((oc) => oc.columns(['app_id', 'cluster_id']).doUpdateSet({ removed: 1, update_time: now }))
      .execute();
  }
};
