import type { ClusterState } from './schemas.js';

/** What a cluster's agent last reported about one application's workload. */
export interface Report {
  readonly revision: number | null;
  readonly generation: number;
  readonly observedGeneration: number;
  readonly desiredReplicas: number;
  readonly updatedReplicas: number;
  readonly readyReplicas: number;
  readonly availableReplicas: number;
  readonly message: string;
}

export interface StateInput {
  readonly removed: boolean;
  /**
   * Set while the cluster, not ready when its rollout batch started (app_clusters.offline), has not
   * reported the revision the application runs: the revision it gets on return.
   */
  readonly offline?: { readonly revision: number | null };
  readonly clusterReady: boolean;
  readonly paused: boolean;
  /** The revision this cluster is meant to run; null while its rollout batch has not come. */
  readonly assigned: number | null;
  readonly assignedTime: number;
  readonly report: Report | null;
  readonly kind: 'Deployment' | 'DaemonSet';
  readonly replicas: number;
  readonly progressDeadlineSeconds: number;
  readonly now: number;
}

/**
 * A cluster is available for a revision when its workload shows that revision,
 * its status describes the current generation, and updated = available =
 * desired replicas (API.md §8). Pure, so every rule is unit-tested.
 */
export function clusterState(i: StateInput): { state: ClusterState; message: string } {
  if (i.removed) return { state: 'removed', message: 'removed from this cluster (node label deleted with deleteDeploy)' };
  if (!i.clusterReady) {
    // Offline until it runs what it is meant to: a rollout went on without it.
    if (i.offline) {
      const what = i.offline.revision === null ? 'what the application runs' : `revision ${i.offline.revision}`;
      return {
        state: 'offline',
        message: `the cluster was not ready when its rollout batch started; it gets ${what} when it returns`,
      };
    }
    return { state: 'unreachable', message: 'the cluster is not ready (no recent heartbeat)' };
  }
  if (i.assigned === null) return { state: 'pending', message: 'waiting for its rollout batch' };
  const r = i.report;
  if (r && r.revision === i.assigned && isAvailable(r, i.kind, i.replicas)) return { state: 'available', message: '' };
  if (i.paused) return { state: 'pending', message: 'the cluster is paused; it is updated when resumed' };
  const late = i.now - i.assignedTime > i.progressDeadlineSeconds;
  if (!r || r.revision !== i.assigned) {
    const message = `waiting for the agent to apply revision ${i.assigned}`;
    return late
      ? { state: 'degraded', message: `${message} (past the ${i.progressDeadlineSeconds} s deadline)` }
      : { state: 'pending', message };
  }
  const counts = `${r.availableReplicas}/${r.desiredReplicas} available, ${r.updatedReplicas} updated`;
  const message = r.message ? `${counts}: ${r.message}` : counts;
  return late ? { state: 'degraded', message } : { state: 'progressing', message };
}

function isAvailable(r: Report, kind: 'Deployment' | 'DaemonSet', replicas: number): boolean {
  const current = r.observedGeneration >= r.generation && r.generation > 0;
  const settled = r.updatedReplicas === r.desiredReplicas && r.availableReplicas === r.desiredReplicas;
  return current && settled && (kind === 'DaemonSet' || r.desiredReplicas === replicas);
}

/** `readyClusters` / `targetClusters` of a list row: removed clusters are no longer targets. */
export function summarize(clusters: readonly { state: string }[]): { ready: number; target: number; offline: number } {
  const targets = clusters.filter((c) => c.state !== 'removed');
  return {
    ready: targets.filter((c) => c.state === 'available').length,
    target: targets.length,
    offline: targets.filter((c) => c.state === 'offline').length,
  };
}
