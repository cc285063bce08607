import { chunks } from '../lib/chunks.js';
import { isReady } from '../clusters/readiness.js';
import type { ClusterState, ClusterStatusRow } from './schemas.js';
import { ALL } from './placement.js';
import type { AppRecord } from './store.js';
import type { Db } from '../db/types.js';

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

export interface SpecFacts {
  readonly kind: 'Deployment' | 'DaemonSet';
  readonly progressDeadlineSeconds: number;
  readonly batchSize?: number;
  readonly pauseOnFailure: boolean;
}

/** One target (or removed-from) cluster of an application with its derived state. */
export interface ClusterEntry {
  readonly clusterId: number;
  readonly row: ClusterStatusRow;
  readonly paused: boolean;
  /** The rollout batch that assigned the cluster its revision (0: none). */
  readonly batch: number;
  readonly removed: boolean;
}

/** Per-cluster rows computed from the database: placement, the reports kept in app_clusters, cluster liveness. */
export class DbStatusReader {
  constructor(
    readonly graceSeconds: number,
    readonly clock: () => number,
  ) {}

  async forApps(db: Db, apps: readonly AppRecord[]): Promise<Map<number, ClusterStatusRow[]>> {
    const entries = await this.entries(db, apps);
    return new Map([...entries].map(([id, list]) => [id, list.map((e) => e.row)]));
  }

  /** Every cluster an application is placed on (or was removed from), with its state. */
  async entries(db: Db, apps: readonly AppRecord[]): Promise<Map<number, ClusterEntry[]>> {
    const out = new Map<number, ClusterEntry[]>();
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
    const rows = [];
    for (const ids of chunks(running.map((a) => a.id))) {
      rows.push(...(await db.selectFrom('app_clusters').selectAll().where('app_id', 'in', ids).execute()));
    }
    const rowOf = new Map(rows.map((r) => [`${r.app_id}:${r.cluster_id}`, r]));
    const facts = await specFacts(db, running);
    for (const app of running) {
      const f = facts.get(app.id) ?? { kind: 'Deployment', progressDeadlineSeconds: 600, pauseOnFailure: true };
      const list: ClusterEntry[] = [];
      for (const c of clusters) {
        const row = rowOf.get(`${app.id}:${c.id}`);
        const targeted = app.cluster_label === ALL || labelled.has(`${c.id}\u0000${app.cluster_label}`);
        if (!targeted) continue;
        const ready = isReady(c, now, this.graceSeconds);
        const inRollout = app.rollout_batch_start !== null;
        const removed = row?.removed === 1;
        const assigned = removed ? null : inRollout ? (row?.revision ?? null) : app.running_revision;
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
          removed,
          clusterReady: ready,
          paused: c.paused === 1,
          assigned,
          assignedTime: row && (inRollout || row.assigned_time >= app.update_time) ? row.assigned_time : app.update_time,
          report,
          kind: f.kind,
          replicas: app.replicas,
          progressDeadlineSeconds: f.progressDeadlineSeconds,
          now,
        });
        list.push({
          clusterId: c.id,
          paused: c.paused === 1,
          batch: row?.batch ?? 0,
          removed,
          row: {
            clusterName: c.name,
            revision: assigned,
            desiredReplicas: report?.desiredReplicas ?? 0,
            readyReplicas: report?.readyReplicas ?? 0,
            availableReplicas: report?.availableReplicas ?? 0,
            state,
            message,
            updateTime: Math.max(row?.update_time ?? 0, row?.assigned_time ?? 0, app.update_time),
          },
        });
      }
      out.set(app.id, list);
    }
    return out;
  }
}

/** What the running revision's spec says about rollouts (a rollout runs under its target revision's rules). */
export async function specFacts(db: Db, apps: readonly AppRecord[]): Promise<Map<number, SpecFacts>> {
  const out = new Map<number, SpecFacts>();
  const withRunning = apps.filter((a) => a.running_revision !== null);
  if (withRunning.length === 0) return out;
  // A join, in chunks: one OR term per application would outgrow SQLite's expression depth.
  const revs: { app_id: number; spec: string }[] = [];
  for (const ids of chunks(withRunning.map((a) => a.id))) {
    revs.push(
      ...(await db
        .selectFrom('app_revisions')
        .innerJoin('applications', (j) =>
          j.onRef('applications.id', '=', 'app_revisions.app_id').onRef('applications.running_revision', '=', 'app_revisions.revision'),
        )
        .select(['app_revisions.app_id', 'app_revisions.spec'])
        .where('app_revisions.app_id', 'in', ids)
        .execute()),
    );
  }
  for (const rev of revs) {
    const spec = JSON.parse(rev.spec) as {
      kind?: 'Deployment' | 'DaemonSet';
      rollout?: { progressDeadlineSeconds?: number; batchSize?: number; pauseOnFailure?: boolean };
    };
    out.set(rev.app_id, {
      kind: spec.kind ?? 'Deployment',
      progressDeadlineSeconds: spec.rollout?.progressDeadlineSeconds ?? 600,
      batchSize: spec.rollout?.batchSize,
      pauseOnFailure: spec.rollout?.pauseOnFailure ?? true,
    });
  }
  return out;
}
