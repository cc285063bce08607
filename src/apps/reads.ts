import { RevisionStatus, statusCode, statusName } from '../access/revision-status.js';
import type { Scope } from '../access/scope.js';
import * as revisions from './revision-store.js';
import type { AppDetail, AppRow, AppSpec, ListAppsQuery, RevisionRow } from './schemas.js';
import type { DbStatusReader } from './status.js';
import * as store from './store.js';
import { parseSpec, toRow } from './views.js';

/** The read side of Application Management: stored rows with their derived per-cluster states, as the API shows them. */

export async function listApps(
  db: store.Db,
  statuses: DbStatusReader,
  scope: Scope,
  q: ListAppsQuery,
): Promise<{ rows: AppRow[]; total: number }> {
  const filter = {
    appName: q.appName,
    status: q.status === undefined ? undefined : statusCode(q.status),
    clusterLabel: q.clusterLabel,
  };
  const { rows, total } = await store.listApps(db, scope, filter, q, q.orderBy === 'appName' ? 'app_name' : 'id');
  const clusters = await statuses.forApps(db, rows);
  return {
    rows: rows.map((r) => toRow(r, r.status, { ...parseSpec(r.spec), replicas: r.replicas }, clusters.get(r.id) ?? [])),
    total,
  };
}

/** `app` was read through `scope`. */
export async function appDetail(db: store.Db, statuses: DbStatusReader, scope: Scope, app: store.AppRecord): Promise<AppDetail> {
  const latest = await revisions.getRevision(db, scope, app.id, app.latest_revision);
  const shown = await shownSpec(db, app);
  const clusters = (await statuses.forApps(db, [app])).get(app.id) ?? [];
  const pending = await revisions.pendingRevision(db, app.id);
  return {
    ...toRow(app, latest?.status ?? RevisionStatus.pending, shown, clusters),
    spec: shown,
    pendingRevision: pending?.revision ?? null,
    clusters,
  };
}

export async function revisionRows(db: store.Db, scope: Scope, appId: number): Promise<RevisionRow[]> {
  const rows = await revisions.listRevisions(db, scope, appId);
  return rows.map((r) => ({
    revision: r.revision,
    spec: parseSpec(r.spec),
    status: statusName(r.status),
    comment: r.comment,
    createTime: r.create_time,
    updateTime: r.update_time,
  }));
}

/** The spec the application is described by: the running revision's, else the latest, with the effective replicas. */
export async function shownSpec(db: store.Db, app: store.AppRecord): Promise<AppSpec> {
  const rev = await revisions.getRevision(db, { kind: 'platform' }, app.id, app.running_revision ?? app.latest_revision);
  const spec = parseSpec(rev?.spec ?? '{}');
  return { ...spec, replicas: app.replicas };
}
