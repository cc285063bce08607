import type { WorkloadIntake } from '../agent-link/link.js';
import { MANAGED_BY, type WorkloadStatus } from '../agent-link/protocol.js';
import { namespaceOf } from '../businesses/desired.js';
import * as appClusters from './app-cluster-store.js';
import { APP_ID_LABEL, REVISION_LABEL, objectName } from './objects.js';
import * as store from './store.js';
import type { Db } from './store.js';

/**
 * Takes in the workload status an agent reports and keeps the last report per
 * (application, cluster) in app_clusters. A report counts only for the object
 * OTE would have made for that application (its namespace and name), so a
 * look-alike object elsewhere cannot stand in for it. Writes only on change.
 */
export function workloadIntake(db: Db, now: () => number, changed: (appIds: number[]) => void): WorkloadIntake {
  const last = new Map<number, string>();
  return async (clusterId: number, workloads: readonly WorkloadStatus[]) => {
    const mine = workloads
      .filter((w) => (w.kind === 'Deployment' || w.kind === 'DaemonSet') && w.labels?.[MANAGED_BY.key] === MANAGED_BY.value)
      .map((w) => ({ w, appId: Number(w.labels?.[APP_ID_LABEL]) }))
      .filter((x) => Number.isSafeInteger(x.appId) && x.appId > 0)
      .sort((a, b) => a.appId - b.appId);
    const fingerprint = JSON.stringify(mine.map((x) => ({ ...x.w, labels: x.w.labels?.[REVISION_LABEL] ?? null })));
    if (last.get(clusterId) === fingerprint) return;
    const t = now();
    const touched = await db.transaction().execute(async (trx) => {
      const ids = [...new Set(mine.map((x) => x.appId))];
      const apps = await store.appsByIds(trx, ids);
      const byId = new Map(apps.map((a) => [a.id, a]));
      const seen = new Set<number>();
      for (const { w, appId } of mine) {
        const app = byId.get(appId);
        if (!app || w.namespace !== namespaceOf(app.business_id) || w.name !== objectName(app.app_name)) continue;
        const revision = Number(w.labels?.[REVISION_LABEL]);
        const report = {
          reported: 1,
          reported_revision: Number.isSafeInteger(revision) ? revision : null,
          generation: w.generation,
          observed_generation: w.observedGeneration,
          desired_replicas: w.desiredReplicas,
          updated_replicas: w.updatedReplicas,
          ready_replicas: w.readyReplicas,
          available_replicas: w.availableReplicas,
          message: w.message.slice(0, 1000),
          update_time: t,
        };
        await appClusters.saveReport(trx, appId, clusterId, report, t);
        seen.add(appId);
      }
      // Objects no longer reported (deleted, or never made): forget their last report.
      const cleared = await appClusters.forgetReports(trx, clusterId, [...seen], t);
      return [...seen, ...cleared];
    });
    last.set(clusterId, fingerprint);
    if (touched.length > 0) changed(touched);
  };
}
