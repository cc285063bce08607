import type { Scope } from '../access/scope.js';
import type { Db } from '../db/types.js';
import { type Paging, applyPage } from '../http/paging.js';

/** Columns that may leave the store for the API: never the sealed password. */
const PUBLIC = ['id', 'business_id', 'repository_id', 'address', 'user_name', 'create_time'] as const;

const scoped = (db: Db, scope: Scope) => {
  const q = db.selectFrom('external_repositories');
  return scope.kind === 'tenant' ? q.where('business_id', '=', scope.businessId) : q;
};

export async function insertExternal(
  db: Db,
  row: { businessId: number; repositoryId: string; address: string; user: string; sealed: string; now: number },
): Promise<number> {
  const r = await db
    .insertInto('external_repositories')
    .values({
      business_id: row.businessId,
      repository_id: row.repositoryId,
      address: row.address,
      user_name: row.user,
      password_enc: row.sealed,
      create_time: row.now,
      update_time: row.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function listExternal(db: Db, scope: Scope, businessId: number | undefined, paging: Paging) {
  const base = businessId === undefined ? scoped(db, scope) : scoped(db, scope).where('business_id', '=', businessId);
  const { total } = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  const rows = await applyPage(base.select(PUBLIC).orderBy('id', paging.order), paging).execute();
  return { rows, total: Number(total) };
}

/** The records named `repositoryId` the scope sees (several businesses may use one name). */
export function findExternal(db: Db, scope: Scope, repositoryIds: readonly string[], businessId?: number) {
  let q = scoped(db, scope)
    .select(PUBLIC)
    .where('repository_id', 'in', [...repositoryIds]);
  if (businessId !== undefined) q = q.where('business_id', '=', businessId);
  return q.orderBy('id').execute();
}

export async function deleteExternal(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length > 0)
    await db
      .deleteFrom('external_repositories')
      .where('id', 'in', [...ids])
      .execute();
}

/** Every record with its sealed password, for the pull secrets of the desired state (not an API read). */
export function allSealed(db: Db) {
  return db
    .selectFrom('external_repositories')
    .select(['business_id', 'repository_id', 'address', 'user_name', 'password_enc'])
    .orderBy('id')
    .execute();
}
