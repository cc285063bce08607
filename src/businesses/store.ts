import { type SelectQueryBuilder, sql } from 'kysely';
import { BusinessStatus } from '../access/roles.js';
import type { Scope } from '../access/scope.js';
import type { BusinessRecord, Database, Db } from '../db/types.js';
import { type Paging, applyPage, likeContains } from '../http/paging.js';

/**
 * Who may read a business row. A business is the tenant itself, so `Scope`
 * (the caller's *approved* business) is not enough: its creator must see it
 * while it is still pending or after it was disapproved, when it is no
 * tenant's yet. Platform: every row; a user: the businesses it created or
 * belongs to. Unscoped reads serve other domains' checks only (the rule: access/scope.ts).
 */
export type BusinessView =
  { readonly kind: 'platform' } | { readonly kind: 'user'; readonly userId: number; readonly businessId: number | null };

type BusinessQuery = SelectQueryBuilder<Database, 'businesses', object>;

function visible<Q extends BusinessQuery>(q: Q, view: BusinessView): Q {
  if (view.kind === 'platform') return q;
  const { userId, businessId } = view;
  return q.where((eb) =>
    businessId === null
      ? eb('businesses.user_id', '=', userId)
      : eb.or([eb('businesses.user_id', '=', userId), eb('businesses.id', '=', businessId)]),
  ) as Q;
}

export function getBusiness(db: Db, view: BusinessView, id: number): Promise<BusinessRecord | undefined> {
  return visible(db.selectFrom('businesses') as BusinessQuery, view)
    .selectAll()
    .where('businesses.id', '=', id)
    .executeTakeFirst();
}

export async function listBusinesses(
  db: Db,
  view: BusinessView,
  filter: { readonly name?: string },
  paging: Paging,
): Promise<{ rows: BusinessRecord[]; total: number }> {
  const where = () => {
    let q = visible(db.selectFrom('businesses') as BusinessQuery, view);
    if (filter.name) {
      q = q.where(sql<boolean>`businesses.name_key like ${likeContains(filter.name.toLowerCase())} escape '\\'`);
    }
    return q;
  };
  const { total } = await where()
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  const rows = (await applyPage(
    where().selectAll().orderBy('businesses.id', paging.order),
    paging,
  ).execute()) as BusinessRecord[];
  return { rows, total: Number(total) };
}

/**
 * For the users domain (sub-users join approved businesses only): inside the
 * caller's transaction, answers whether the business is approved and holds its
 * row (a no-op write) until commit, so a concurrent deletion waits and then
 * drops the new member too, instead of leaving it in a deleted business.
 */
export async function holdApproved(trx: Db, id: number): Promise<boolean> {
  const res = await trx
    .updateTable('businesses')
    .set((eb) => ({ update_time: eb.ref('update_time') }))
    .where('id', '=', id)
    .where('status', '=', BusinessStatus.approved)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Ids of the approved businesses: the input of the desired namespaces. */
export function approvedBusinesses(db: Db): Promise<{ id: number; status: number }[]> {
  return db
    .selectFrom('businesses')
    .select(['id', 'status'])
    .where('status', '=', BusinessStatus.approved)
    .orderBy('id')
    .execute();
}

// --- creation (inside one transaction) ---

/**
 * A pending or approved business the user created (`userId`) or belongs to
 * (`memberOf`, its `business_id`): such a user may not create another.
 */
export function liveBusinessOf(
  trx: Db,
  userId: number,
  memberOf: number | null,
): Promise<{ id: number; status: number } | undefined> {
  return trx
    .selectFrom('businesses')
    .select(['id', 'status'])
    .where('status', 'in', [BusinessStatus.pending, BusinessStatus.approved])
    .where((eb) =>
      memberOf === null ? eb('user_id', '=', userId) : eb.or([eb('user_id', '=', userId), eb('id', '=', memberOf)]),
    )
    .executeTakeFirst();
}

export async function insertBusiness(
  trx: Db,
  b: Pick<BusinessRecord, 'name' | 'user_id' | 'introduce' | 'objective' | 'scale'>,
  now: number,
): Promise<number> {
  const row = await trx
    .insertInto('businesses')
    .values({
      ...b,
      name_key: b.name.toLowerCase(),
      comment: '',
      status: BusinessStatus.pending,
      create_time: now,
      update_time: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

// --- status changes (system administrator; the scope still bounds them) ---

/**
 * Moves a business from one of `from` to `to`; answers how many rows changed
 * (0: absent, out of scope, or in another state — the caller tells which).
 */
export async function changeStatus(
  trx: Db,
  scope: Scope,
  id: number,
  from: readonly number[],
  set: { readonly status: number; readonly comment?: string },
  now: number,
): Promise<number> {
  let q = trx
    .updateTable('businesses')
    .set({ ...set, update_time: now })
    .where('id', '=', id)
    .where('status', 'in', [...from]);
  if (scope.kind === 'tenant') q = q.where('id', '=', scope.businessId);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** The pending and disapproved businesses a user created become deleted (the user is being deleted). */
export async function withdrawApplications(trx: Db, userId: number, now: number): Promise<void> {
  await trx
    .updateTable('businesses')
    .set({ status: BusinessStatus.deleted, update_time: now })
    .where('user_id', '=', userId)
    .where('status', 'in', [BusinessStatus.pending, BusinessStatus.disapproved])
    .execute();
}

/** The approved business a user created, if any: its creator may not be deleted while it lives. */
export function approvedCreatedBy(trx: Db, userId: number): Promise<{ id: number; name: string } | undefined> {
  return trx
    .selectFrom('businesses')
    .select(['id', 'name'])
    .where('user_id', '=', userId)
    .where('status', '=', BusinessStatus.approved)
    .executeTakeFirst();
}

/** A business's status (undefined: no such business), for the checks of other domains (not a tenant read). */
export async function businessStatus(db: Db, id: number): Promise<number | undefined> {
  const row = await db.selectFrom('businesses').select('status').where('id', '=', id).executeTakeFirst();
  return row?.status;
}

/** Business applications waiting for approval (/metrics). */
export async function countPendingBusinesses(db: Db): Promise<number> {
  const r = await db
    .selectFrom('businesses')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', BusinessStatus.pending)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
