import type { ClusterState, ClusterStatusRow } from './schemas.js';
import { ALL } from './placement.js';
import type { AppRecord, Db } from './store.js';

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
  if (!i.clusterReady) return { state: 'unreachable', message: 'the cluster is not ready (no recent heartbeat)' };
  if (i.assigned === null) return { state: 'pending', message: 'waiting for its rollout batch' };
  const r = i.report;
  if (r && r.revision === i.assigned && isAvailable(r, i.kind, i.replicas)) return { state: 'available', message: '' };
  if (i.paused) return { state: 'pending', message: 'the cluster is paused; it is updated when resumed' };
  const late = i.now - i.assignedTime > i.progressDeadlineSeconds;
  if (!r || r.revision !== i.assigned) {
    const message = `waiting for the agent to apply revision ${i.assigned}`;
    return late ? { state: 'degraded', message: `${message} (past the ${i.progressDeadlineSeconds} s deadline)` } : { state: 'pending', message };
  }
  const counts = `${r.availableReplicas}/${r.desiredReplicas} available, ${r.updatedReplicas} updated`;
  const message = r.message ? `${counts}: ${r.message}` : counts;
  return late ? { state: 'degraded', message } : { state: 'progressing', message };
}

export function isAvailable(r: Report, kind: 'Deployment' | 'DaemonSet', replicas: number): boolean {
  const current = r.observedGeneration >= r.generation && r.generation > 0;
  const settled = r.updatedReplicas === r.desiredReplicas && r.availableReplicas === r.desiredReplicas;
  return current && settled && (kind === 'DaemonSet' || r.desiredReplicas === replicas);
}

/** `readyClusters` / `targetClusters` of a list row: removed clusters are no longer targets. */
export function summarize(clusters: readonly { state: string }[]): { ready: number; target: number } {
  const targets = clusters.filter((c) => c.state !== 'removed');
  return { ready: targets.filter((c) => c.state === 'available').length, target: targets.length };
}

/** Reads the per-cluster status of applications (the agent-link grace decides readiness). */
export interface StatusReader {
  forApps(db: Db, apps: readonly AppRecord[]): Promise<Map<number, ClusterStatusRow[]>>;
}

interface SpecFacts {
  readonly kind: 'Deployment' | 'DaemonSet';
  readonly progressDeadlineSeconds: number;
}

/** Per-cluster rows computed from the database: placement, the reports kept in app_clusters, cluster liveness. */
export class DbStatusReader implements StatusReader {
  constructor(
    private readonly graceSeconds: number,
    private readonly clock: () => number,
  ) {}

  async forApps(db: Db, apps: readonly AppRecord[]): Promise<Map<number, ClusterStatusRow[]>> {
    const out = new Map<number, ClusterStatusRow[]>();
    const running = apps.filter((a) => a.running_revision !== null);
    for (const a of apps) out.set(a.id, []);
    if (running.length === 0) return out;
    const now = this.clock();
    const clusters = await db
      .selectFrom('clusters')
      .select(['id', 'name', 'paused', 'session_id', 'last_heartbeat'])
      .orderBy('name')
      .orderBy('id')
      .execute();
    const labels = await db.selectFrom('cluster_labels').select(['cluster_id', 'label']).execute();
    const labelled = new Set(labels.map((l) => `${l.cluster_id}\u0000${l.label}`));
    const rows = await db
      .selectFrom('app_clusters')
      .selectAll()
      .where('app_id', 'in', running.map((a) => a.id))
      .execute();
    const rowOf = new Map(rows.map((r) => [`${r.app_id}:${r.cluster_id}`, r]));
    const facts = await specFacts(db, running);
    for (const app of running) {
      const f = facts.get(app.id) ?? { kind: 'Deployment', progressDeadlineSeconds: 600 };
      const list: ClusterStatusRow[] = [];
      for (const c of clusters) {
        const row = rowOf.get(`${app.id}:${c.id}`);
        const targeted = app.cluster_label === ALL || labelled.has(`${c.id}\u0000${app.cluster_label}`);
        if (!targeted && !row?.removed) continue;
        const ready = c.session_id !== null && c.last_heartbeat !== null && now - c.last_heartbeat <= this.graceSeconds;
        const inRollout = app.rollout_batch_start !== null;
        const assigned = inRollout ? (row?.revision ?? null) : app.running_revision;
        const report: Report | null = row?.reported
          ? {
              revision: row.reported_revision,
              generation: row.generation,
              observedGeneration: row.observed_generation,
              desiredReplicas: row.desired_replicas,
              updatedReplicas: row.updated_replicas,
              readyReplicas: row.ready_replicas,
              availableReplicas: row.available_replicas,
              message: row.message,
            }
          : null;
        const { state, message } = clusterState({
          removed: row?.removed === 1,
          clusterReady: ready,
          paused: c.paused === 1,
          assigned,
          assignedTime: row?.assigned_time ?? app.update_time,
          report,
          kind: f.kind,
          replicas: app.replicas,
          progressDeadlineSeconds: f.progressDeadlineSeconds,
          now,
        });
        list.push({
          clusterName: c.name,
          revision: assigned,
          desiredReplicas: report?.desiredReplicas ?? 0,
          readyReplicas: report?.readyReplicas ?? 0,
          availableReplicas: report?.availableReplicas ?? 0,
          state,
          message,
          updateTime: row?.update_time ?? app.update_time,
        });
      }
      out.set(app.id, list);
    }
    return out;
  }
}

async function specFacts(db: Db, apps: readonly AppRecord[]): Promise<Map<number, SpecFacts>> {
  const out = new Map<number, SpecFacts>();
  const revs = await db
    .selectFrom('app_revisions')
    .select(['app_id', 'revision', 'spec'])
    .where('app_id', 'in', apps.map((a) => a.id))
    .execute();
  for (const app of apps) {
    const rev = revs.find((r) => r.app_id === app.id && r.revision === app.running_revision);
    if (!rev) continue;
    const spec = JSON.parse(rev.spec) as { kind?: 'Deployment' | 'DaemonSet'; rollout?: { progressDeadlineSeconds?: number } };
    out.set(app.id, {
      kind: spec.kind ?? 'Deployment',
      progressDeadlineSeconds: spec.rollout?.progressDeadlineSeconds ?? 600,
    });
  }
  return out;
}
