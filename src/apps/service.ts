import { RevisionStatus } from '../access/revision-status.js';
import type { Caller } from '../access/roles.js';
import { scopeOf } from '../access/scope.js';
import type { DesiredStateBus } from '../agent-link/desired-bus.js';
import { isUniqueViolation } from '../db/errors.js';
import { Conflict, NotFound, ValidationError } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import type { SettingsService } from '../settings/service.js';
import { type RegistryFacts, autoApproved, checkSpec, newRevision, ownerBusiness } from './admission.js';
import * as appClusters from './app-cluster-store.js';
import { clusterIdsFor } from './placement.js';
import { type RenderContext, previewNew, previewRevision } from './preview.js';
import { appDetail, listApps, revisionRows, shownSpec } from './reads.js';
import * as revisions from './revision-store.js';
import { Rollouts } from './rollout.js';
import { normalized } from './rules.js';
import type {
  AppDetail,
  AppRow,
  AppSpec,
  AuditAppBody,
  CreateAppBody,
  ListAppsQuery,
  PreviewCluster,
  PreviewQuery,
  RevisionRow,
  RollbackAppBody,
  ScaleAppBody,
  UpdateAppBody,
} from './schemas.js';
import type { DbStatusReader } from './status.js';
import * as store from './store.js';
import { parseSpec } from './views.js';

/**
 * Application Management (API.md §8): audited revisions of a business's
 * workloads. The database is the truth; after each commit the agent link is
 * woken for the clusters the change may touch.
 */
export class AppsService {
  constructor(
    private readonly db: store.Db,
    private readonly settings: SettingsService,
    /** The registry's domain (OTE_REGISTRY_DOMAIN, else OTE_REGISTRY_URL's host), and whether the hub manages that registry (OTE_REGISTRY_URL: it knows its projects). */
    private readonly registry: RegistryFacts,
    private readonly statuses: DbStatusReader,
    private readonly bus: DesiredStateBus,
  ) {
    this.rollouts = new Rollouts(db, statuses, bus);
  }

  /** Batched rollouts; the routes plugin starts and stops its periodic check with the server. */
  readonly rollouts: Rollouts;

  async create(caller: Caller, input: CreateAppBody): Promise<number> {
    const { businessId, ...given } = input;
    const spec = normalized(given);
    const owner = await ownerBusiness(this.db, caller, businessId);
    const settings = await this.settings.get();
    await checkSpec(this.db, this.registry, spec, owner, settings);
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
        await revisions.insertRevision(trx, newRevision(appId, 1, spec, approved, caller.userId, now));
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

  list(caller: Caller, q: ListAppsQuery): Promise<{ rows: AppRow[]; total: number }> {
    return listApps(this.db, this.statuses, scopeOf(caller), q);
  }

  async get(caller: Caller, id: number): Promise<AppDetail> {
    return appDetail(this.db, this.statuses, scopeOf(caller), await this.mustGet(caller, id));
  }

  async update(caller: Caller, id: number, input: UpdateAppBody): Promise<number> {
    const app = await this.mustGet(caller, id);
    const { appName, ...rest } = input;
    if (appName !== undefined && appName !== app.app_name) {
      throw new ValidationError({ appName: `cannot be changed (it names the Kubernetes objects): it is "${app.app_name}"` });
    }
    const spec: AppSpec = normalized({ appName: app.app_name, ...rest });
    const settings = await this.settings.get();
    await checkSpec(this.db, this.registry, spec, app.business_id, settings);
    const approved = autoApproved(caller, settings);
    const now = nowSeconds();
    const { revision, oldLabel } = await this.db.transaction().execute(async (trx) => {
      const next = await store.nextRevision(trx, app.id, now);
      if (!next) throw new NotFound(`application ${id} not found`);
      const { revision } = next;
      // One revision awaits approval at a time: a newer one supersedes it (unless an audit decided it meanwhile).
      const pending = await revisions.pendingRevision(trx, app.id);
      if (pending) {
        await revisions.decideRevision(trx, app.id, pending.revision, {
          status: RevisionStatus.rejected,
          comment: `superseded by revision ${revision}`,
          update_time: now,
        });
      }
      await revisions.insertRevision(trx, newRevision(app.id, revision, spec, approved, caller.userId, now));
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
      const pending = await revisions.pendingRevision(trx, app.id);
      const decided =
        pending &&
        (await revisions.decideRevision(trx, app.id, pending.revision, {
          status: input.status,
          comment: input.comment,
          update_time: now,
        }));
      // Also when a concurrent audit or a newer revision got there first.
      if (!pending || !decided) throw new Conflict(`application ${id} has no revision awaiting approval`);
      // A rejection keeps whatever runs now.
      if (input.status === RevisionStatus.approved) {
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
    const shown = await shownSpec(this.db, app);
    if (shown.kind === 'DaemonSet') {
      throw new Conflict(`application ${id} is a DaemonSet (one pod per selected node): replicas do not apply`);
    }
    const now = nowSeconds();
    await this.db.transaction().execute(async (trx) => {
      await store.updateApp(trx, app.id, { replicas: input.replicas, update_time: now });
      // Scaling needs no audit: a revision awaiting approval takes the new count too, so approving it does not undo the scale.
      const pending = await revisions.pendingRevision(trx, app.id);
      if (pending) {
        const spec = { ...parseSpec(pending.spec), replicas: input.replicas };
        await revisions.updateRevision(trx, app.id, pending.revision, { spec: JSON.stringify(spec), update_time: now });
      }
    });
    if (app.running_revision !== null) await this.wake([app.cluster_label]);
  }

  async revisions(caller: Caller, id: number): Promise<RevisionRow[]> {
    await this.mustGet(caller, id);
    return revisionRows(this.db, scopeOf(caller), id);
  }

  async rollback(caller: Caller, id: number, input: RollbackAppBody): Promise<void> {
    const app = await this.mustGet(caller, id);
    const rev = await revisions.getRevision(this.db, scopeOf(caller), id, input.revision);
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

  /** POST /v1/app/preview: validated exactly as a create, nothing stored. */
  async previewNew(caller: Caller, input: CreateAppBody): Promise<PreviewCluster[]> {
    const { businessId, ...given } = input;
    const spec = normalized(given);
    const owner = await ownerBusiness(this.db, caller, businessId);
    const settings = await this.settings.get();
    await checkSpec(this.db, this.registry, spec, owner, settings);
    // The create would be refused: say so now, before the admin reads a preview of what cannot be created.
    if (await store.appNameTaken(this.db, owner, spec.appName)) {
      throw new Conflict(`appName: "${spec.appName}" is already taken in this business`);
    }
    return previewNew(this.db, this.renderContext(settings.enableIngress), owner, spec);
  }

  /** GET /v1/app/{id}/preview: a revision (default: the pending one, else the running one, else the latest) against what runs now. */
  async previewRevision(caller: Caller, id: number, q: PreviewQuery): Promise<PreviewCluster[]> {
    const app = await this.mustGet(caller, id);
    let revision = q.revision;
    if (revision === undefined) {
      revision = (await revisions.pendingRevision(this.db, app.id))?.revision ?? app.running_revision ?? app.latest_revision;
    }
    const rev = await revisions.getRevision(this.db, scopeOf(caller), app.id, revision);
    if (!rev) throw new ValidationError({ revision: `application ${id} has no revision ${revision}` });
    const { enableIngress } = await this.settings.get();
    return previewRevision(this.db, this.renderContext(enableIngress), app, rev.revision, rev.spec);
  }

  async remove(caller: Caller, id: number): Promise<void> {
    const app = await this.mustGet(caller, id);
    const clusters = await this.placedOn(app);
    await this.db.transaction().execute((trx) => store.deleteApp(trx, app.id));
    this.bus.changed(clusters);
  }

  // --- helpers ---

  /** Makes an approved revision the one that runs (its replicas, its placement). */
  private async makeRunning(trx: store.Db, appId: number, revision: number, spec: AppSpec, now: number): Promise<void> {
    const before = (await store.getApp(trx, { kind: 'platform' }, appId)) as store.AppRecord;
    await store.updateApp(trx, appId, {
      running_revision: revision,
      replicas: spec.replicas,
      cluster_label: spec.clusterLabel,
      message: '',
      update_time: now,
    });
    await this.rollouts.begin(trx, before, revision, spec, now);
  }

  private renderContext(enableIngress: boolean): RenderContext {
    return {
      registryDomain: this.registry.domain,
      enableIngress,
      graceSeconds: this.statuses.graceSeconds,
      now: this.statuses.clock(),
    };
  }

  private async placedOn(app: store.AppRecord): Promise<number[]> {
    const labelled = await clusterIdsFor(this.db, [app.cluster_label]);
    const rows = await appClusters.rowsOfApps(this.db, [app.id]);
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
}
