import { type SelectQueryBuilder, sql } from 'kysely';
import type { Scope } from '../access/scope.js';
import type { Database, Db } from '../db/types.js';
import { type Paging, applyPage, likeContains } from '../http/paging.js';
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { ApplicationsTable, AppRevisionsTable } from './tables.js';

export type AppRecord = Selectable<ApplicationsTable>;
export type RevisionRecord = Selectable<AppRevisionsTable>;

export const RevisionStatus = { pending: 0, approved: 1, rejected: 2 } as const;

function scoped<Q extends SelectQueryBuilder<Database, 'applications', any>>(q: Q, scope: Scope): Q {
  return (scope.kind === 'tenant' ? q.where('applications.business_id', '=', scope.businessId) : q) as Q;
}

// --- applications (tenant-owned: every read takes a Scope) ---

export function getApp(db: Db, scope: Scope, id: number): Promise<AppRecord | undefined> {
  return scoped(db.selectFrom('applications').selectAll('applications').where('applications.id', '=', id), scope)
    .executeTakeFirst();
}

export interface AppFilter {
  readonly appName?: string;
  readonly status?: number;
  readonly clusterLabel?: string;
}

/** One page of applications with their latest revision's status and the spec they are shown by (running, else latest). */
export async function listApps(
  db: Db,
  scope: Scope,
  filter: AppFilter,
  paging: Paging,
  orderBy: 'id' | 'app_name',
): Promise<{ rows: (AppRecord & { status: number; spec: string })[]; total: number }> {
  const base = () => {
    let q = scoped(
      db
        .selectFrom('applications')
        .innerJoin('app_revisions as latest', (j) =>
          j.onRef('latest.app_id', '=', 'applications.id').onRef('latest.revision', '=', 'applications.latest_revision'),
        )
        .innerJoin('app_revisions as shown', (j) =>
          j
            .onRef('shown.app_id', '=', 'applications.id')
            .on(sql`shown.revision`, '=', sql`coalesce(applications.running_revision, applications.latest_revision)`),
        ),
      scope,
    );
    if (filter.appName) q = q.where(sql<boolean>`applications.name_key like ${likeContains(filter.appName.toLowerCase())} escape '\\'`);
    if (filter.status !== undefined) q = q.where('latest.status', '=', filter.status);
    if (filter.clusterLabel !== undefined) q = q.where('applications.cluster_label', '=', filter.clusterLabel);
    return q;
  };
  const { total } = await base()
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  let q = base()
    .selectAll('applications')
    .select(['latest.status', 'shown.spec'])
    .orderBy(`applications.${orderBy}`, paging.order);
  if (orderBy !== 'id') q = q.orderBy('applications.id', paging.order);
  const rows = await applyPage(q, paging).execute();
  return { rows, total: Number(total) };
}

export async function insertApp(db: Db, row: Insertable<ApplicationsTable>): Promise<number> {
  const r = await db.insertInto('applications').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** Writes by id: the caller obtained the id through a scoped read in the same transaction. */
export async function updateApp(db: Db, id: number, set: Updateable<ApplicationsTable>): Promise<void> {
  await db.updateTable('applications').set(set).where('id', '=', id).execute();
}

/**
 * Takes the next revision number. Being a write, it locks the application's
 * row, so concurrent updates queue instead of colliding on the number.
 */
export async function nextRevision(
  db: Db,
  id: number,
  now: number,
): Promise<{ revision: number; running: number | null; clusterLabel: string } | undefined> {
  const row = await db
    .updateTable('applications')
    .set((eb) => ({ latest_revision: eb('latest_revision', '+', 1), update_time: now }))
    .where('id', '=', id)
    .returning(['latest_revision', 'running_revision', 'cluster_label'])
    .executeTakeFirst();
  return row && { revision: row.latest_revision, running: row.running_revision, clusterLabel: row.cluster_label };
}

/** Decides a pending revision; false when it is no longer pending (decided or superseded meanwhile). */
export async function decideRevision(
  db: Db,
  appId: number,
  revision: number,
  set: { status: number; comment: string; update_time: number },
): Promise<boolean> {
  const r = await db
    .updateTable('app_revisions')
    .set(set)
    .where('app_id', '=', appId)
    .where('revision', '=', revision)
    .where('status', '=', RevisionStatus.pending)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteApp(db: Db, id: number): Promise<void> {
  // Explicit rather than trusting ON DELETE CASCADE on both engines' settings.
  await db.deleteFrom('app_clusters').where('app_id', '=', id).execute();
  await db.deleteFrom('app_revisions').where('app_id', '=', id).execute();
  await db.deleteFrom('applications').where('id', '=', id).execute();
}

/** Every application of a business (it is being deleted: its namespaces go with everything deployed there). */
export async function deleteAppsOfBusiness(db: Db, businessId: number): Promise<void> {
  const ids = db.selectFrom('applications').select('id').where('business_id', '=', businessId);
  await db.deleteFrom('app_clusters').where('app_id', 'in', ids).execute();
  await db.deleteFrom('app_revisions').where('app_id', 'in', ids).execute();
  await db.deleteFrom('applications').where('business_id', '=', businessId).execute();
}

// --- revisions (reached through their application's scope) ---

export function getRevision(db: Db, scope: Scope, appId: number, revision: number): Promise<RevisionRecord | undefined> {
  return scoped(
    db
      .selectFrom('app_revisions')
      .innerJoin('applications', 'applications.id', 'app_revisions.app_id')
      .selectAll('app_revisions')
      .where('app_revisions.app_id', '=', appId)
      .where('app_revisions.revision', '=', revision),
    scope,
  ).executeTakeFirst();
}

export function listRevisions(db: Db, scope: Scope, appId: number): Promise<RevisionRecord[]> {
  return scoped(
    db
      .selectFrom('app_revisions')
      .innerJoin('applications', 'applications.id', 'app_revisions.app_id')
      .selectAll('app_revisions')
      .where('app_revisions.app_id', '=', appId)
      .orderBy('app_revisions.revision', 'desc'),
    scope,
  ).execute();
}

export async function insertRevision(db: Db, row: Insertable<AppRevisionsTable>): Promise<void> {
  await db.insertInto('app_revisions').values(row).execute();
}

export async function updateRevision(
  db: Db,
  appId: number,
  revision: number,
  set: Updateable<AppRevisionsTable>,
): Promise<void> {
  await db.updateTable('app_revisions').set(set).where('app_id', '=', appId).where('revision', '=', revision).execute();
}

/** The revision awaiting approval, if any (at most one: a newer one supersedes it). */
export function pendingRevision(db: Db, appId: number): Promise<RevisionRecord | undefined> {
  return db
    .selectFrom('app_revisions')
    .selectAll()
    .where('app_id', '=', appId)
    .where('status', '=', RevisionStatus.pending)
    .executeTakeFirst();
}

// --- look-ups of other domains' tables the rules need ---

export async function businessStatus(db: Db, id: number): Promise<number | undefined> {
  return (await db.selectFrom('businesses').select('status').where('id', '=', id).executeTakeFirst())?.status;
}

export async function externalRepositoryExists(db: Db, businessId: number, repositoryId: string): Promise<boolean> {
  const row = await db
    .selectFrom('external_repositories')
    .select('id')
    .where('business_id', '=', businessId)
    .where('repository_id', '=', repositoryId)
    .executeTakeFirst();
  return row !== undefined;
}
