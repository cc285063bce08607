import { type SelectQueryBuilder, type Selectable, sql } from 'kysely';
import type { Scope } from '../access/scope.js';
import type { ProjectsTable } from '../db/registry-tables.js';
import type { Database, Db } from '../db/types.js';
import { type Paging, applyPage, likeContains } from '../http/paging.js';

type ProjectsQuery = SelectQueryBuilder<Database, 'projects', object>;

/**
 * Projects are tenant-owned, but public ones are readable by every business.
 * "Visible" reads (listing, images, tags) admit own or public projects;
 * "owned" reads (every change) admit only the caller's business (4: all).
 */
function visible<Q extends ProjectsQuery>(q: Q, scope: Scope): Q {
  if (scope.kind === 'platform') return q;
  return q.where((eb) => eb.or([eb('projects.business_id', '=', scope.businessId), eb('projects.public', '=', 1)])) as Q;
}

function owned<Q extends ProjectsQuery>(q: Q, scope: Scope): Q {
  return (scope.kind === 'platform' ? q : q.where('projects.business_id', '=', scope.businessId)) as Q;
}

export async function insertProject(
  db: Db,
  p: { name: string; businessId: number; public: boolean; now: number },
): Promise<number> {
  const row = await db
    .insertInto('projects')
    .values({
      name: p.name,
      name_key: p.name.toLowerCase(),
      business_id: p.businessId,
      public: p.public ? 1 : 0,
      create_time: p.now,
      update_time: p.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export function visibleProjectByName(db: Db, scope: Scope, name: string) {
  return visible(db.selectFrom('projects').selectAll(), scope).where('projects.name', '=', name).executeTakeFirst();
}

export function ownedProjectByName(db: Db, scope: Scope, name: string) {
  return owned(db.selectFrom('projects').selectAll(), scope).where('projects.name', '=', name).executeTakeFirst();
}

export function ownedProjectsByIds(db: Db, scope: Scope, ids: readonly number[]) {
  return owned(db.selectFrom('projects').selectAll(), scope)
    .where('projects.id', 'in', [...ids])
    .execute();
}

interface ProjectFilter {
  readonly projectName?: string;
  readonly public?: boolean;
}

export async function listProjects(
  db: Db,
  scope: Scope,
  filter: ProjectFilter,
  paging: Paging,
): Promise<{ rows: Selectable<ProjectsTable>[]; total: number }> {
  const where = (q: ProjectsQuery) => {
    let r = visible(q, scope);
    if (filter.projectName) {
      r = r.where(sql<boolean>`projects.name_key like ${likeContains(filter.projectName.toLowerCase())} escape '\\'`);
    }
    if (filter.public !== undefined) r = r.where('projects.public', '=', filter.public ? 1 : 0);
    return r;
  };
  const { total } = await where(db.selectFrom('projects'))
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  const rows = await applyPage(
    where(db.selectFrom('projects')).selectAll().orderBy('projects.id', paging.order),
    paging,
  ).execute();
  return { rows: rows, total: Number(total) };
}

/** Deletes project rows (their image rows first: `images.deleteImagesOfProjects`). */
export async function deleteProjects(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .deleteFrom('projects')
    .where('id', 'in', [...ids])
    .execute();
}

export function projectsOfBusiness(db: Db, businessId: number) {
  return db.selectFrom('projects').select(['id', 'name']).where('business_id', '=', businessId).orderBy('name').execute();
}

export function projectByName(db: Db, name: string) {
  return db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
}

/** The named projects' owners and visibility, for the registry's token endpoint (not a tenant read). */
export function projectsByName(db: Db, names: readonly string[]) {
  return db
    .selectFrom('projects')
    .select(['name', 'business_id', 'public'])
    .where('name', 'in', [...names])
    .execute();
}
