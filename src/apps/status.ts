import { isReady } from '../clusters/readiness.js';
import * as clusterStore from '../clusters/store.js';
import * as appClusters from './app-cluster-store.js';
import { type Report, clusterState } from './cluster-state.js';
import { ALL } from './placement.js';
import * as revisions from './revision-store.js';
import { isBatched, onFailureOf } from './rules.js';
import type { AppSpec, ClusterStatusRow, OnFailure } from './schemas.js';
import type { AppRecord, Db } from './store.js';

export interface SpecFacts {
  readonly kind: 'Deployment' | 'DaemonSet';
  readonly progressDeadlineSeconds: number;
  /** The rollout moves batch by batch (a batchSize or a canary). */
  readonly batched: boolean;
  readonly batchSize?: number;
  /** The canary clusterLabel: its clusters are the first batch. */
  readonly canary?: string;
  readonly onFailure: OnFailure;
  readonly overrides?: AppSpec['overrides'];
}

/** The replicas a cluster with these labels runs: the last matching override's, else the application's. */
function replicasOn(overrides: NonNullable<AppSpec['overrides']>, replicas: number, labels: readonly string[]): number {
  let n = replicas;
  for (const o of overrides)
    if (o.replicas !== undefined && (o.clusterLabel === ALL || labels.includes(o.clusterLabel))) n = o.replicas;
  return n;
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
    const clusters = await clusterStore.clustersWithLiveness(db);
    const labels = await clusterStore.allClusterLabels(db);
    const labelled = new Set(labels.map((l) => `${l.cluster_id}\u0000${l.label}`));
    const labelsOf = new Map<number, string[]>();
    for (const l of labels) labelsOf.set(l.cluster_id, [...(labelsOf.get(l.cluster_id) ?? []), l.label]);
    const rows = await appClusters.rowsOfApps(
      db,
      running.map((a) => a.id),
    );
    const rowOf = new Map(rows.map((r) => [`${r.app_id}:${r.cluster_id}`, r]));
    const facts = await specFacts(db, running);
    for (const app of running) {
      const f: Pick<SpecFacts, 'kind' | 'progressDeadlineSeconds' | 'overrides'> = facts.get(app.id) ?? {
        kind: 'Deployment',
        progressDeadlineSeconds: 600,
      };
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
          offline:
            row?.offline === 1 && !(report && report.revision === app.running_revision)
              ? { revision: app.running_revision }
              : undefined,
          clusterReady: ready,
          paused: c.paused === 1,
          assigned,
          assignedTime: row && (inRollout || row.assigned_time >= app.update_time) ? row.assigned_time : app.update_time,
          report,
          kind: f.kind,
          // Per-cluster overrides may set the count (judged by the running revision's overrides).
          replicas: f.overrides?.length ? replicasOn(f.overrides, app.replicas, labelsOf.get(c.id) ?? []) : app.replicas,
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
  const revs = await revisions.runningSpecs(
    db,
    withRunning.map((a) => a.id),
  );
  for (const rev of revs) {
    const spec = JSON.parse(rev.spec) as Partial<AppSpec>;
    out.set(rev.app_id, {
      kind: spec.kind ?? 'Deployment',
      progressDeadlineSeconds: spec.rollout?.progressDeadlineSeconds ?? 600,
      batched: isBatched(spec.rollout),
      batchSize: spec.rollout?.batchSize,
      canary: spec.rollout?.canary?.clusterLabel,
      onFailure: onFailureOf(spec.rollout),
      overrides: spec.overrides,
    });
  }
  return out;
}
