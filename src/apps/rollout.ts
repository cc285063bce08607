import { RevisionStatus } from '../access/revision-status.js';
import type { DesiredStateBus } from '../agent-link/desired-bus.js';
import { isReady } from '../clusters/readiness.js';
import * as clusterStore from '../clusters/store.js';
import { type Logger, silentLogger } from '../lib/log.js';
import * as appClusters from './app-cluster-store.js';
import { clusterIdsFor, clustersWithLabel } from './placement.js';
import * as revisions from './revision-store.js';
import { isBatched } from './rules.js';
import type { AppSpec } from './schemas.js';
import { type ClusterEntry, type DbStatusReader, type SpecFacts, specFacts } from './status.js';
import * as store from './store.js';
import type { AppRecord, Db } from './store.js';
import { parseSpec } from './views.js';

/**
 * Batched rollouts (API.md §8 `rollout`, §8.1): a new running revision reaches
 * `batchSize` clusters at a time (the `canary` clusters first); the next batch
 * starts when the previous one is available. A batch not available by
 * `progressDeadlineSeconds` is a failure, handled by `onFailure`: `pause`
 * stops the rollout (the rest keep the previous revision), `continue` goes on,
 * `rollback` returns every cluster to the revision the rollout started from
 * and marks the new one `failed`. A target cluster not ready when its batch
 * starts is skipped and flagged offline; it neither blocks nor fails the
 * rollout and gets the revision when it returns (a later batch, or the end of
 * the rollout, which assigns every cluster). Paused clusters likewise.
 *
 * State lives in the database (applications.rollout_*, app_clusters.revision,
 * batch and offline), so a restarted hub resumes where it stopped and any
 * replica may move a rollout on; each move is one transaction behind a
 * conditional update, so two replicas never both take it.
 */
export class Rollouts {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  private log: Logger = silentLogger;

  constructor(
    private readonly db: Db,
    private readonly statuses: DbStatusReader,
    private readonly bus: DesiredStateBus,
  ) {}

  /** Runs in the transaction that makes `revision` the running one (approve, auto-approve, rollback). */
  readonly begin = async (trx: Db, before: AppRecord, revision: number, spec: AppSpec, now: number): Promise<void> => {
    const id = before.id;
    // A new running revision is placed afresh: deleteDeploy removals and offline marks end here.
    await appClusters.setForApp(trx, id, { removed: 0, offline: 0 });
    if (!isBatched(spec.rollout)) {
      await store.updateApp(trx, id, { rollout_batch: 0, rollout_batch_start: null, rollout_stopped: 0, rollout_from: null });
      await appClusters.setForApp(trx, id, { revision, batch: 0, assigned_time: now });
      return;
    }
    if (before.rollout_batch_start === null) {
      // Freeze what every cluster runs now; the rollout then moves them batch by batch.
      const current = before.running_revision === null ? [] : await clustersWithLabel(trx, before.cluster_label);
      await appClusters.setForApp(trx, id, { revision: null, batch: 0 });
      for (const c of current) {
        await appClusters.assign(trx, id, c.id, { revision: before.running_revision, batch: 0 }, now);
      }
    }
    await store.updateApp(trx, id, {
      rollout_batch: 0,
      rollout_batch_start: now,
      rollout_stopped: 0,
      rollout_from: before.running_revision,
      message: '',
    });
    const app = (await store.getApp(trx, { kind: 'platform' }, id)) as AppRecord;
    await this.nextBatch(trx, app, { batchSize: spec.rollout?.batchSize, canary: spec.rollout?.canary?.clusterLabel }, now);
  };

  /** Starts the periodic check (deadlines pass without any event); failures go to `log`. */
  start(periodMs: number, log: Logger): void {
    if (this.timer) return;
    this.log = log;
    this.timer = setInterval(() => this.poke(), periodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Re-checks active rollouts soon (a report came in, a label changed); runs are never concurrent. */
  poke(): void {
    if (!this.timer) return; // not started, or the hub is stopping
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.check();
        } catch (err) {
          this.log.warn({ err }, 'could not move rollouts on; the next check retries');
        }
      } while (this.again && this.timer);
    })().finally(() => {
      this.running = null;
    });
  }

  /** One pass over every application with a rollout that is moving. */
  async check(): Promise<void> {
    const apps = await store.movingRollouts(this.db);
    if (apps.length === 0) return;
    // The clock first: the states read next are then at least as late, so a batch past its deadline reads degraded.
    const now = this.statuses.clock();
    const entries = await this.statuses.entries(this.db, apps);
    const facts = await specFacts(this.db, apps);
    for (const app of apps) {
      const f = facts.get(app.id);
      if (!f?.batched) continue;
      const batch = (entries.get(app.id) ?? []).filter(
        (e) => e.batch === app.rollout_batch && e.row.revision === app.running_revision && !e.paused && !e.removed,
      );
      const waiting = batch.filter((e) => e.row.state !== 'available');
      if (waiting.length > 0 && now - (app.rollout_batch_start as number) <= f.progressDeadlineSeconds) continue;
      await this.move(app, f, waiting, now);
    }
  }

  private async move(app: AppRecord, f: SpecFacts, failed: readonly ClusterEntry[], now: number): Promise<void> {
    const why =
      failed.length === 0
        ? ''
        : `batch ${app.rollout_batch} of revision ${app.running_revision} was not available within ${f.progressDeadlineSeconds} s on ${failed
            .map((e) => `${e.row.clusterName} (${e.row.state}${e.row.message ? `: ${e.row.message}` : ''})`)
            .join(', ')}`;
    const labels = await this.db.transaction().execute(async (trx) => {
      // Only the replica whose view is still current moves the rollout.
      if (!(await store.claimRolloutMove(trx, app))) return null;
      if (failed.length > 0 && f.onFailure === 'pause') {
        const message = `rollout stopped: ${why}; the other clusters keep the previous revision`;
        await store.updateApp(trx, app.id, { rollout_stopped: 1, message });
        return [app.cluster_label];
      }
      if (failed.length > 0 && f.onFailure === 'rollback') return [app.cluster_label, await this.rollBack(trx, app, why, now)];
      if (failed.length > 0) {
        await store.updateApp(trx, app.id, { message: `${why}; the rollout went on (onFailure is "continue")` });
      }
      await this.nextBatch(trx, app, f, now);
      return [app.cluster_label];
    });
    if (labels) this.bus.changed(await clusterIdsFor(this.db, labels));
  }

  /**
   * `onFailure: rollback`: the revision becomes `failed` and the one the rollout started from runs
   * again on every cluster, offline ones included when they return (nothing runs if there was none).
   * Answers the clusterLabel that now runs.
   */
  private async rollBack(trx: Db, app: AppRecord, why: string, now: number): Promise<string> {
    const failedRevision = app.running_revision as number;
    const from = app.rollout_from;
    const rev = await revisions.getRevision(trx, { kind: 'platform' }, app.id, failedRevision);
    const note = `rollout failed and was rolled back: ${why}`;
    await revisions.updateRevision(trx, app.id, failedRevision, {
      status: RevisionStatus.failed,
      comment: rev?.comment ? `${rev.comment}; ${note}` : note,
      update_time: now,
    });
    const fromText = from === null ? undefined : await revisions.specOf(trx, app.id, from);
    const previous = fromText === undefined ? undefined : parseSpec(fromText);
    const back = previous ? `returned to revision ${from}` : 'removed (no earlier revision ran)';
    await store.updateApp(trx, app.id, {
      running_revision: previous ? from : null,
      ...(previous ? { replicas: previous.replicas, cluster_label: previous.clusterLabel } : {}),
      rollout_batch: 0,
      rollout_batch_start: null,
      rollout_stopped: 0,
      rollout_from: null,
      message: `revision ${failedRevision} failed: ${why}; every cluster ${back}`,
      update_time: now,
    });
    await appClusters.setForApp(trx, app.id, { revision: previous ? from : null, batch: 0, assigned_time: now });
    return previous?.clusterLabel ?? app.cluster_label;
  }

  /**
   * Gives the running revision to the next clusters (the canary ones first), or ends the rollout
   * when none is left. Targets not ready now are flagged offline and skipped: a later batch or the
   * end of the rollout gives them the revision.
   */
  private async nextBatch(trx: Db, app: AppRecord, f: Pick<SpecFacts, 'batchSize' | 'canary'>, now: number): Promise<void> {
    const revision = app.running_revision as number;
    const targets = await clustersWithLabel(trx, app.cluster_label);
    const rowOf = new Map((await appClusters.rowsOfApps(trx, [app.id])).map((r) => [r.cluster_id, r]));
    const todo = targets.filter(
      (c) => rowOf.get(c.id)?.revision !== revision && c.paused !== 1 && rowOf.get(c.id)?.removed !== 1,
    );
    const live = new Map(
      (await clusterStore.clustersWithLiveness(trx)).map((c) => [c.id, isReady(c, now, this.statuses.graceSeconds)]),
    );
    const ready = todo.filter((c) => live.get(c.id) === true);
    for (const c of todo) {
      if (live.get(c.id) !== true && rowOf.get(c.id)?.offline !== 1) await appClusters.markOffline(trx, app.id, c.id, now);
    }
    let next: typeof ready = [];
    if (app.rollout_batch === 0 && f.canary) {
      const canary = new Set((await clustersWithLabel(trx, f.canary)).map((c) => c.id));
      next = ready.filter((c) => canary.has(c.id));
    }
    if (next.length === 0) next = f.batchSize ? ready.slice(0, f.batchSize) : ready;
    if (next.length === 0) {
      // Done: every target runs the revision (paused and offline ones when they resume or return).
      await store.updateApp(trx, app.id, { rollout_batch_start: null });
      await appClusters.setForApp(trx, app.id, { revision, assigned_time: now });
      return;
    }
    const batch = app.rollout_batch + 1;
    for (const c of next) {
      await appClusters.assign(trx, app.id, c.id, { revision, batch, assigned_time: now, offline: 0 }, now);
    }
    await store.updateApp(trx, app.id, { rollout_batch: batch, rollout_batch_start: now });
  }
}
