import { type Insertable, type Kysely, type SelectQueryBuilder, type Selectable, type Updateable, sql } from 'kysely';
import type { RevisionStatusCode } from '../access/revision-status.js';
import type { Scope } from '../access/scope.js';
import type { ApplicationsTable } from '../db/app-tables.js';
import type { Database } from '../db/types.js';
import { type Paging, applyPage, likeContains } from '../http/paging.js';

/** applications: one row per application, with its running revision, placement and rollout state. */
export type Db = Kysely<Database>;
export type AppRecord = Selectable<ApplicationsTable>;

/** Narrows a query on applications to what the scope may see (tenant-owned: every read takes a Scope). */
// Any selection (`object`): it differs per query; only the applications table matters here.
export function scoped<Q extends SelectQueryBuilder<Database, 'applications', object>>(q: Q, scope: Scope): Q {
  return (scope.kind === 'tenant' ? q.where('applications.business_id', '=', scope.businessId) : q) as Q;
}

export function getApp(db: Db, scope: Scope, id: number): Promise<AppRecord | undefined> {
  return scoped(
    db.selectFrom('applications').selectAll('applications').where('applications.id', '=', id),
    scope,
  ).executeTakeFirst();
}

export interface AppFilter {
  readonly appName?: string;
  readonly status?: RevisionStatusCode;
  readonly clusterLabel?: string;
}

/** One page of applications with their latest revision's status and the spec they are shown by (running, else latest). */
export async function listApps(
  db: Db,
  scope: Scope,
  filter: AppFilter,
  paging: Paging,
  orderBy: 'id' | 'app_name',
): Promise<{ rows: (AppRecord & { status: RevisionStatusCode; spec: string })[]; total: number }> {
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
    if (filter.appName)
      q = q.where(sql<boolean>`applications.name_key like ${likeContains(filter.appName.toLowerCase())} escape '\\'`);
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

/** The named columns of these applications, by id, not scoped (agent reports name them). */
export function appsByIds(db: Db, ids: readonly number[]): Promise<Pick<AppRecord, 'id' | 'business_id' | 'app_name'>[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('applications')
    .select(['id', 'business_id', 'app_name'])
    .where('id', 'in', [...ids])
    .execute();
}

/** Every application with a running revision (of any business), by business and name. */
export function runningApps(db: Db): Promise<AppRecord[]> {
  return db
    .selectFrom('applications')
    .selectAll()
    .where('running_revision', 'is not', null)
    .orderBy('business_id')
    .orderBy('name_key')
    .execute();
}

/** Applications whose batched rollout is moving (started and not stopped). */
export function movingRollouts(db: Db): Promise<AppRecord[]> {
  return db
    .selectFrom('applications')
    .selectAll()
    .where('rollout_batch_start', 'is not', null)
    .where('rollout_stopped', '=', 0)
    .execute();
}

/** Claims the next move of a rollout: true only while the row still is as `seen` (another replica may have moved it). */
export async function claimRolloutMove(db: Db, seen: AppRecord): Promise<boolean> {
  const claim = await db
    .updateTable('applications')
    .set({ update_time: seen.update_time })
    .where('id', '=', seen.id)
    .where('rollout_batch', '=', seen.rollout_batch)
    .where('rollout_batch_start', '=', seen.rollout_batch_start)
    .where('running_revision', '=', seen.running_revision)
    .where('rollout_stopped', '=', 0)
    .executeTakeFirst();
  return Number(claim.numUpdatedRows) === 1;
}

/** Whether the business has an application of this name (case-insensitive, as the unique index on name_key). */
export async function appNameTaken(db: Db, businessId: number, appName: string): Promise<boolean> {
  const row = await db
    .selectFrom('applications')
    .select('id')
    .where('business_id', '=', businessId)
    .where('name_key', '=', appName.toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
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

// An application's rows in the domain's other tables go with it: explicit rather than trusting ON DELETE CASCADE on both engines' settings.

export async function deleteApp(db: Db, id: number): Promise<void> {
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

/**
 * Per application, what its fleet-wide state is judged by (/metrics): its latest revision's
 * status (`failed`: rolled back, API.md §8.1), whether a revision runs, a stopped rollout, and how
 * many of its clusters do not run the assigned revision available (`late`: of those, assigned
 * before `lateBefore`). One aggregate query.
 */
export function appFigureRows(
  db: Db,
  lateBefore: number,
): Promise<
  {
    latest_status: number | null;
    running_revision: number | null;
    rollout_stopped: number;
    unavailable: number | string | null;
    late: number | string | null;
  }[]
> {
  const unavailable = sql`ac.removed = 0 and ac.revision is not null and not (ac.reported_revision = ac.revision
    and ac.generation > 0 and ac.observed_generation >= ac.generation
    and ac.updated_replicas = ac.desired_replicas and ac.available_replicas = ac.desired_replicas)`;
  return db
    .selectFrom('applications as a')
    .leftJoin('app_revisions as r', (j) => j.onRef('r.app_id', '=', 'a.id').onRef('r.revision', '=', 'a.latest_revision'))
    .leftJoin('app_clusters as ac', 'ac.app_id', 'a.id')
    .select([
      'r.status as latest_status',
      'a.running_revision',
      'a.rollout_stopped',
      sql<number | null>`sum(case when ${unavailable} then 1 else 0 end)`.as('unavailable'),
      sql<number | null>`sum(case when ${unavailable} and ac.assigned_time < ${lateBefore} then 1 else 0 end)`.as('late'),
    ])
    .groupBy(['a.id', 'r.status', 'a.running_revision', 'a.rollout_stopped'])
    .execute();
}
