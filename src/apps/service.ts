import type { DesiredStateBus } from '../agent-link/desired-bus.js';
import { isUniqueViolation } from '../db/errors.js';
import { scopeOf } from '../access/scope.js';
import { nowSeconds } from '../lib/time.js';
import { Conflict, NotFound, ValidationError } from '../http/errors.js';
import type { Settings } from '../settings/schemas.js';
import type { SettingsService } from '../settings/service.js';
import { visibleProjectByName } from '../repository/project-store.js';
import { BusinessStatus, type Caller, Role } from '../access/roles.js';
import { clusterIdsFor } from './placement.js';
import { platformRepository, specProblems } from './rules.js';
import type {
  AppDetail,
  AppRow,
  AppSpec,
  AuditAppBody,
  CreateAppBody,
  ListAppsQuery,
  RevisionRow,
  RollbackAppBody,
  ScaleAppBody,
  UpdateAppBody,
} from './schemas.js';
import { Rollouts } from './rollout.js';
import type { DbStatusReader } from './status.js';
import * as store from './store.js';
import { RevisionStatus } from './store.js';
import { STATUS_NAMES, parseSpec, statusNumber, toRow } from './views.js';
import type { Db } from '../db/types.js';

/** Hooks run in the transaction that makes a revision the running one; `before` is the application as it was. */
export type RunningRevisionHook = (
  trx: Db,
  before: store.AppRecord,
  revision: number,
  spec: AppSpec,
  now: number,
) => Promise<void>;

/**
 * Application Management (API.md §8): audited revisions of a business's
 * workloads. The database is the truth; after each commit the agent link is
 * woken for the clusters the change may touch.
 */
export class AppsService {
  private readonly runningHooks: RunningRevisionHook[] = [];

  constructor(
    private readonly db: Db,
    private readonly settings: SettingsService,
    /** The registry's domain (OTE_REGISTRY_DOMAIN, else OTE_REGISTRY_URL's host), and whether the hub manages that registry (OTE_REGISTRY_URL: it knows its projects). */
    private readonly registry: { readonly domain?: string; readonly managed: boolean },
    private readonly statuses: DbStatusReader,
    private readonly bus: DesiredStateBus,
  ) {
    this.rollouts = new Rollouts(db, statuses, bus);
    this.onRunningRevision(this.rollouts.begin);
  }

  /** Batched rollouts; the routes plugin starts and stops its periodic check with the server. */
  readonly rollouts: Rollouts;

  onRunningRevision(hook: RunningRevisionHook): void {
    this.runningHooks.push(hook);
  }

  async create(caller: Caller, input: CreateAppBody): Promise<number> {
    const { businessId, ...spec } = input;
    const owner = await this.ownerBusiness(caller, businessId);
    const settings = await this.settings.get();
    await this.check(spec, owner, settings);
    const approved = autoApproved(caller, settings);
    const now = nowSeconds();
    let id: number;
    try {
      id = await this.db.transaction().execute(async (trx) => {
        const appId = await store.insertApp(trx, {
          business_id: owner,
          app_name: spec.appName,
          name_key: spec.appName.toLowerCase(),
          latest_revision: 1,
          running_revision: null,
          replicas: spec.replicas,
          cluster_label: spec.clusterLabel,
          create_time: now,
          update_time: now,
        });
        await store.insertRevision(trx, {
          app_id: appId,
          revision: 1,
          spec: JSON.stringify(spec),
          status: approved ? RevisionStatus.approved : RevisionStatus.pending,
          comment: approved ? 'approved automatically (enableAdminAutoDeploy)' : '',
          creator_id: caller.userId,
          create_time: now,
          update_time: now,
        });
        if (approved) await this.makeRunning(trx, appId, 1, spec, now);
        return appId;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`appName: "${spec.appName}" is already taken in this business`);
      throw err;
    }
    if (approved) await this.wake([spec.clusterLabel]);
    return id;
  }

  async list(caller: Caller, q: ListAppsQuery): Promise<{ rows: AppRow[]; total: number }> {
    const { rows, total } = await store.listApps(
      this.db,
      scopeOf(caller),
      {
        appName: q.appName,
        status: q.status === undefined ? undefined : statusNumber(q.status),
        clusterLabel: q.clusterLabel,
      },
      q,
      q.orderBy === 'appName' ? 'app_name' : 'id',
    );
    const clusters = await this.statuses.forApps(this.db, rows);
    return {
      rows: rows.map((r) => toRow(r, r.status, { ...parseSpec(r.spec), replicas: r.replicas }, clusters.get(r.id) ?? [])),
      total,
    };
  }

  async get(caller: Caller, id: number): Promise<AppDetail> {
    const app = await this.mustGet(caller, id);
    const latest = await store.getRevision(this.db, scopeOf(caller), id, app.latest_revision);
    const shown = await this.shownSpec(app);
    const clusters = (await this.statuses.forApps(this.db, [app])).get(app.id) ?? [];
    const pending = await store.pendingRevision(this.db, app.id);
    return {
      ...toRow(app, latest?.status ?? RevisionStatus.pending, shown, clusters),
      spec: shown,
      pendingRevision: pending?.revision ?? null,
      clusters,
    };
  }

  async update(caller: Caller, id: number, input: UpdateAppBody): Promise<number> {
    const app = await this.mustGet(caller, id);
    const { appName, ...rest } = input;
    if (appName !== undefined && appName !== app.app_name) {
      throw new ValidationError({ appName: `cannot be changed (it names the Kubernetes objects): it is "${app.app_name}"` });
    }
    const spec: AppSpec = { appName: app.app_name, ...rest };
    const settings = await this.settings.get();
    await this.check(spec, app.business_id, settings);
    const approved = autoApproved(caller, settings);
    const now = nowSeconds();
    const { revision, oldLabel } = await this.db.transaction().execute(async (trx) => {
      const next = await store.nextRevision(trx, app.id, now);
      if (!next) throw new NotFound(`application ${id} not found`);
      const { revision } = next;
      // One revision awaits approval at a time: a newer one supersedes it (unless an audit decided it meanwhile).
      const pending = await store.pendingRevision(trx, app.id);
      if (pending) {
        await store.decideRevision(trx, app.id, pending.revision, {
          status: RevisionStatus.rejected,
          comment: `superseded by revision ${revision}`,
          update_time: now,
        });
      }
      await store.insertRevision(trx, {
        app_id: app.id,
        revision,
        spec: JSON.stringify(spec),
        status: approved ? RevisionStatus.approved : RevisionStatus.pending,
        comment: approved ? 'approved automatically (enableAdminAutoDeploy)' : '',
        creator_id: caller.userId,
        create_time: now,
        update_time: now,
      });
      // Nothing runs yet: the listing shows (and filters by) the newest spec.
      if (next.running === null) {
        await store.updateApp(trx, app.id, { cluster_label: spec.clusterLabel, replicas: spec.replicas });
      }
      if (approved) await this.makeRunning(trx, app.id, revision, spec, now);
      return { revision, oldLabel: next.clusterLabel };
    });
    if (approved) await this.wake([oldLabel, spec.clusterLabel]);
    return revision;
  }

  async audit(caller: Caller, id: number, input: AuditAppBody): Promise<void> {
    const app = await this.mustGet(caller, id);
    const now = nowSeconds();
    let labels: string[] = [];
    await this.db.transaction().execute(async (trx) => {
      const pending = await store.pendingRevision(trx, app.id);
      const decided =
        pending &&
        (await store.decideRevision(trx, app.id, pending.revision, {
          status: input.status === 1 ? RevisionStatus.approved : RevisionStatus.rejected,
          comment: input.comment,
          update_time: now,
        }));
      // Also when a concurrent audit or a newer revision got there first.
      if (!pending || !decided) throw new Conflict(`application ${id} has no revision awaiting approval`);
      // A rejection keeps whatever runs now.
      if (input.status === 1) {
        const spec = parseSpec(pending.spec);
        await this.makeRunning(trx, app.id, pending.revision, spec, now);
        labels = [app.cluster_label, spec.clusterLabel];
      } else {
        await store.updateApp(trx, app.id, { update_time: now });
      }
    });
    if (labels.length > 0) await this.wake(labels);
  }

  async scale(caller: Caller, id: number, input: ScaleAppBody): Promise<void> {
    const app = await this.mustGet(caller, id);
    const shown = await this.shownSpec(app);
    if (shown.kind === 'DaemonSet') {
      throw new Conflict(`application ${id} is a DaemonSet (one pod per selected node): replicas do not apply`);
    }
    const now = nowSeconds();
    await this.db.transaction().execute(async (trx) => {
      await store.updateApp(trx, app.id, { replicas: input.replicas, update_time: now });
      // Scaling needs no audit: a revision awaiting approval takes the new count too, so approving it does not undo the scale.
      const pending = await store.pendingRevision(trx, app.id);
      if (pending) {
        const spec = { ...parseSpec(pending.spec), replicas: input.replicas };
        await store.updateRevision(trx, app.id, pending.revision, { spec: JSON.stringify(spec), update_time: now });
      }
    });
    if (app.running_revision !== null) await this.wake([app.cluster_label]);
  }

  async revisions(caller: Caller, id: number): Promise<RevisionRow[]> {
    await this.mustGet(caller, id);
    const rows = await store.listRevisions(this.db, scopeOf(caller), id);
    return rows.map((r) => ({
      revision: r.revision,
      spec: parseSpec(r.spec),
      status: STATUS_NAMES[r.status] ?? 'pending',
      comment: r.comment,
      createTime: r.create_time,
      updateTime: r.update_time,
    }));
  }

  async rollback(caller: Caller, id: number, input: RollbackAppBody): Promise<void> {
    const app = await this.mustGet(caller, id);
    const rev = await store.getRevision(this.db, scopeOf(caller), id, input.revision);
    if (!rev) throw new ValidationError({ revision: `application ${id} has no revision ${input.revision}` });
    if (rev.status !== RevisionStatus.approved) {
      throw new Conflict(`revision ${input.revision} was never approved: only approved revisions can run`);
    }
    if (app.running_revision === input.revision) throw new Conflict(`revision ${input.revision} is already running`);
    const spec = parseSpec(rev.spec);
    const now = nowSeconds();
    await this.db.transaction().execute((trx) => this.makeRunning(trx, app.id, rev.revision, spec, now));
    await this.wake([app.cluster_label, spec.clusterLabel]);
  }

  async remove(caller: Caller, id: number): Promise<void> {
    const app = await this.mustGet(caller, id);
    const clusters = await this.placedOn(app);
    await this.db.transaction().execute((trx) => store.deleteApp(trx, app.id));
    this.bus.changed(clusters);
  }

  // --- helpers ---

  /** Makes an approved revision the one that runs (its replicas, its placement). */
  private async makeRunning(trx: Db, appId: number, revision: number, spec: AppSpec, now: number): Promise<void> {
    const before = (await store.getApp(trx, { kind: 'platform' }, appId)) as store.AppRecord;
    await store.updateApp(trx, appId, {
      running_revision: revision,
      replicas: spec.replicas,
      cluster_label: spec.clusterLabel,
      message: '',
      update_time: now,
    });
    for (const hook of this.runningHooks) await hook(trx, before, revision, spec, now);
  }

  /** The spec the application is described by: the running revision's, else the latest, with the effective replicas. */
  private async shownSpec(app: store.AppRecord): Promise<AppSpec> {
    const rev = await store.getRevision(this.db, { kind: 'platform' }, app.id, app.running_revision ?? app.latest_revision);
    const spec = parseSpec(rev?.spec ?? '{}');
    return { ...spec, replicas: app.replicas };
  }

  private async placedOn(app: store.AppRecord): Promise<number[]> {
    const labelled = await clusterIdsFor(this.db, [app.cluster_label]);
    const rows = await this.db.selectFrom('app_clusters').select('cluster_id').where('app_id', '=', app.id).execute();
    return [...new Set([...labelled, ...rows.map((r) => r.cluster_id)])];
  }

  private async wake(labels: readonly (string | null)[]): Promise<void> {
    const ids = await clusterIdsFor(this.db, labels);
    if (ids.length > 0) this.bus.changed(ids);
  }

  private async mustGet(caller: Caller, id: number): Promise<store.AppRecord> {
    const app = await store.getApp(this.db, scopeOf(caller), id);
    if (!app) throw new NotFound(`application ${id} not found`);
    return app;
  }

  /** The business an application is created in: the caller's, or for the system administrator the one named. */
  private async ownerBusiness(caller: Caller, businessId: number | undefined): Promise<number> {
    if (caller.role !== Role.systemAdmin) {
      if (businessId !== undefined) {
        throw new ValidationError({ businessId: 'unknown field (only the system administrator may set it)' });
      }
      return caller.tenantId as number; // roles 2 and 3 always act for their approved business
    }
    if (businessId === undefined) throw new ValidationError({ businessId: 'is required for the system administrator' });
    if ((await store.businessStatus(this.db, businessId)) !== BusinessStatus.approved) {
      throw new ValidationError({ businessId: 'must be the id of an approved business' });
    }
    return businessId;
  }

  private async check(spec: AppSpec, businessId: number, settings: Settings): Promise<void> {
    const problems = specProblems(spec, { enableIngress: settings.enableIngress, registryDomain: this.registry.domain });
    const platform = platformRepository(spec.image, this.registry.domain);
    if (!problems.image && this.registry.managed && platform !== null) {
      // The business's own projects and public ones pull; anything else would only fail at the edge.
      const project = platform.split('/')[0];
      if (!(await visibleProjectByName(this.db, { kind: 'tenant', businessId }, project))) {
        problems.image = `no project "${project}" this business can pull from in the platform registry`;
      }
    }
    if (spec.repositoryId !== undefined && !(await store.externalRepositoryExists(this.db, businessId, spec.repositoryId))) {
      problems.repositoryId = `no external repository "${spec.repositoryId}" in this business`;
    }
    if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  }
}

/** Auto-approval: a business or system administrator while `enableAdminAutoDeploy` is on. */
function autoApproved(caller: Caller, settings: Settings): boolean {
  return (caller.role === Role.businessAdmin || caller.role === Role.systemAdmin) && settings.enableAdminAutoDeploy;
}
