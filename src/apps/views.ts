import { type RevisionStatusCode, statusName } from '../access/revision-status.js';
import { summarize } from './cluster-state.js';
import type { AppRow, AppSpec } from './schemas.js';
import type { AppRecord } from './store.js';

/** How stored rows read in the API: revision statuses by name, specs parsed, list rows. */
export function parseSpec(text: string): AppSpec {
  return JSON.parse(text) as AppSpec;
}

export function toRow(app: AppRecord, status: RevisionStatusCode, spec: AppSpec, clusters: readonly { state: string }[]): AppRow {
  const { ready, target, offline } = summarize(clusters);
  return {
    id: app.id,
    appName: app.app_name,
    businessId: app.business_id,
    image: spec.image,
    tag: spec.tag,
    replicas: app.replicas,
    clusterLabel: spec.clusterLabel,
    nodeLabel: spec.nodeLabel ?? null,
    status: statusName(status),
    revision: app.latest_revision,
    runningRevision: app.running_revision,
    readyClusters: ready,
    targetClusters: target,
    offlineClusters: offline,
    message: app.message,
    createTime: app.create_time,
    updateTime: app.update_time,
  };
}
