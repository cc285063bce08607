import type { DesiredStateBus } from '../agent-link/desired-bus.js';
import { type Logger, silentLogger } from '../lib/log.js';
import { clusterIdsFor, clustersWithLabel } from './placement.js';
import type { AppSpec } from './schemas.js';
import { type ClusterEntry, type DbStatusReader, specFacts } from './status.js';
import * as appClusters from './app-cluster-store.js';
import * as store from './store.js';
import type { AppRecord, Db } from './store.js';


/**
 * Batched rollouts (API.md §8 `rollout`): a new running revision reaches
 * `batchSize` clusters at a time; the next batch starts when the previous one
 * is available; a batch not available by `progressDeadlineSeconds` stops the
 * rollout (the rest keep the previous revision) and the application says why.
 * Paused clusters are skipped and get the revision when the rollout ends.
 * State lives in the database (applications.rollout_*, app_clusters.revision
 * and batch), so any hub replica may move a rollout on; each move is a
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
    // A new running revision is placed afresh: deleteDeploy removals end here.
    await appClusters.setForApp(trx, id, { removed: 0 });
    if (!spec.rollout?.batchSize) {
      await store.updateApp(trx, id, { rollout_batch: 0, rollout_batch_start: null, rollout_stopped: 0 });
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
    await store.updateApp(trx, id, { rollout_batch: 0, rollout_batch_start: now, rollout_stopped: 0, message: '' });
    const app = (await store.getApp(trx, { kind: 'platform' }, id)) as AppRecord;
    await this.nextBatch(trx, app, spec.rollout.batchSize, now);
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
    const entries = await this.statuses.entries(this.db, apps);
    const facts = await specFacts(this.db, apps);
    const now = this.statuses.clock();
    for (const app of apps) {
      const f = facts.get(app.id);
      if (!f?.batchSize) continue;
      const batch = (entries.get(app.id) ?? []).filter(
        (e) => e.batch === app.rollout_batch && e.row.revision === app.running_revision && !e.paused && !e.removed,
      );
      const waiting = batch.filter((e) => e.row.state !== 'available');
      if (waiting.length > 0 && now - (app.rollout_batch_start as number) <= f.progressDeadlineSeconds) continue;
      await this.move(app, f.batchSize, f.pauseOnFailure, waiting, f.progressDeadlineSeconds, now);
    }
  }

  private async move(
    app: AppRecord,
    batchSize: number,
    pauseOnFailure: boolean,
    failed: readonly ClusterEntry[],
    deadline: number,
    now: number,
  ): Promise<void> {
    const why =
      failed.length === 0
        ? ''
        : `batch ${app.rollout_batch} of revision ${app.running_revision} was not available within ${deadline} s on ${failed
            .map((e) => `${e.row.clusterName} (${e.row.state}${e.row.message ? `: ${e.row.message}` : ''})`)
            .join(', ')}`;
    const moved = await this.db.transaction().execute(async (trx) => {
      // Only the replica whose view is still current moves the rollout.
      if (!(await store.claimRolloutMove(trx, app))) return false;
      if (failed.length > 0 && pauseOnFailure) {
        const message = `rollout stopped: ${why}; the other clusters keep the previous revision`;
        await store.updateApp(trx, app.id, { rollout_stopped: 1, message });
        return true;
      }
      if (failed.length > 0) {
        await store.updateApp(trx, app.id, { message: `${why}; the rollout went on (pauseOnFailure is off)` });
      }
      await this.nextBatch(trx, app, batchSize, now);
      return true;
    });
    if (moved) this.bus.changed(await clusterIdsFor(this.db, [app.cluster_label]));
  }

  /** Gives the running revision to the next clusters, or ends the rollout when none is left. */
  private async nextBatch(trx: Db, app: AppRecord, batchSize: number, now: number): Promise<void> {
    const revision = app.running_revision as number;
    const targets = await clustersWithLabel(trx, app.cluster_label);
    const rowOf = new Map((await appClusters.rowsOfApps(trx, [app.id])).map((r) => [r.cluster_id, r]));
    const next = targets
      .filter((c) => rowOf.get(c.id)?.revision !== revision && c.paused !== 1 && rowOf.get(c.id)?.removed !== 1)
      .slice(0, batchSize);
    if (next.length === 0) {
      // Done: every target runs the revision (paused ones when they resume).
      await store.updateApp(trx, app.id, { rollout_batch_start: null });
      await appClusters.setForApp(trx, app.id, { revision, assigned_time: now });
      return;
    }
    const batch = app.rollout_batch + 1;
    for (const c of next) await appClusters.assign(trx, app.id, c.id, { revision, batch, assigned_time: now }, now);
    await store.updateApp(trx, app.id, { rollout_batch: batch, rollout_batch_start: now });
  }
}
