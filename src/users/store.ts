import { type SelectQueryBuilder, sql } from 'kysely';
import type { Scope } from '../access/scope.js';
import { type ParamValue, runPrecompiled } from '../db/precompiled.js';
import type { Database, Db, NewUser, UserRecord } from '../db/types.js';
import { type Paging, likeContains } from '../http/paging.js';

/** A user with the status of its business, the facts a role is derived from. */
export type UserWithBusiness = UserRecord & { business_status: number | null };

const withBusiness = (db: Db) =>
  db
    .selectFrom('users')
    .leftJoin('businesses', 'businesses.id', 'users.business_id')
    .selectAll('users')
    .select('businesses.status as business_status');

function scoped<Q extends SelectQueryBuilder<Database, 'users', object>>(q: Q, scope: Scope): Q {
  return (scope.kind === 'tenant' ? q.where('users.business_id', '=', scope.businessId) : q) as Q;
}

// --- identity look-ups (login and token checks; not tenant reads) ---

export async function findByNameKey(db: Db, nameKey: string): Promise<UserWithBusiness | undefined> {
  // Compiled once (issue #13): every login reads it.
  const rows = await runPrecompiled(db, 'users.by-name', [nameKey], ([k]) =>
    withBusiness(db).where('users.name_key', '=', k as string),
  );
  return rows[0];
}

/** The user of a live session: the one query behind every authenticated request. */
export async function findBySession(db: Db, jti: string, userId: number, now: number): Promise<UserWithBusiness | undefined> {
  // Compiled once (issue #13: building it cost more than running it).
  const rows = await runPrecompiled(db, 'users.session', [jti, userId, now], ([j, u, n]) =>
    withBusiness(db)
      .innerJoin('sessions', 'sessions.user_id', 'users.id')
      .where('sessions.jti', '=', j as string)
      .where('users.id', '=', u as number)
      .where('sessions.revoked', '=', 0)
      .where('sessions.expires_at', '>', n as number),
  );
  return rows[0];
}

/** The caller's own record (identity, not a tenant read). */
export function findSelf(db: Db, userId: number): Promise<UserWithBusiness | undefined> {
  return withBusiness(db).where('users.id', '=', userId).executeTakeFirst();
}

/** The bootstrapped system administrator (there is one per platform). */
export function findSystemAdmin(db: Db): Promise<UserRecord | undefined> {
  return db.selectFrom('users').selectAll().where('is_system', '=', 1).orderBy('id').executeTakeFirst();
}

export async function systemAdminExists(db: Db): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('is_system', '=', 1).executeTakeFirst();
  return row !== undefined;
}

// --- writes ---

export async function insertUser(db: Db, user: NewUser): Promise<number> {
  const row = await db.insertInto('users').values(user).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateUser(
  db: Db,
  id: number,
  set: Partial<Pick<UserRecord, 'status' | 'password_hash' | 'business_id' | 'is_admin'>>,
  now: number,
): Promise<void> {
  await db
    .updateTable('users')
    .set({ ...set, update_time: now })
    .where('id', '=', id)
    .execute();
}

/** Sets a new password hash only while the stored one is still `expected`; answers whether it did. */
export async function replacePasswordHash(db: Db, id: number, expected: string, hash: string, now: number): Promise<boolean> {
  const res = await db
    .updateTable('users')
    .set({ password_hash: hash, update_time: now })
    .where('id', '=', id)
    .where('password_hash', '=', expected)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Holds a user's row until commit (a no-op write); answers whether the user exists. */
export async function holdUser(db: Db, id: number): Promise<boolean> {
  const res = await db
    .updateTable('users')
    .set((eb) => ({ update_time: eb.ref('update_time') }))
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function deleteUser(db: Db, id: number): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

// --- tenant-scoped reads ---

export function getUser(db: Db, scope: Scope, id: number): Promise<UserWithBusiness | undefined> {
  return scoped(withBusiness(db).where('users.id', '=', id), scope).executeTakeFirst();
}

interface UserFilter {
  readonly user?: string;
  readonly status?: number;
}

export async function listUsers(
  db: Db,
  scope: Scope,
  filter: UserFilter,
  paging: Paging,
  orderBy: 'id' | 'user_name',
): Promise<{ rows: UserWithBusiness[]; total: number }> {
  // Built and compiled once per shape (issue #13); the filters' values, in the order `where` uses them.
  const tenant = scope.kind === 'tenant';
  const values: ParamValue[] = [];
  if (tenant) values.push(scope.businessId);
  if (filter.user) values.push(likeContains(filter.user.toLowerCase()));
  if (filter.status !== undefined) values.push(filter.status);
  const filters = `${tenant ? 'tenant' : 'platform'}${filter.user ? '+user' : ''}${filter.status !== undefined ? '+status' : ''}`;
  // Filters touch users' own columns only, so the count needs no join (it was most of the cost).
  const where = <Q extends SelectQueryBuilder<Database, 'users', object>>(q: Q, v: readonly ParamValue[]): Q => {
    let i = 0;
    let r = scoped(q, tenant ? { kind: 'tenant', businessId: v[i++] as number } : scope) as SelectQueryBuilder<
      Database,
      'users',
      object
    >;
    if (filter.user) r = r.where(sql<boolean>`users.name_key like ${v[i++]} escape '\\'`);
    if (filter.status !== undefined) r = r.where('users.status', '=', v[i] as number);
    return r as Q;
  };
  const paged = paging.pageSize !== 0;
  const pageValues = paged ? [...values, paging.pageSize, (paging.page - 1) * paging.pageSize] : values;
  const [[{ total }], rows] = await Promise.all([
    runPrecompiled(db, `users.count:${filters}`, values, (v) =>
      where(db.selectFrom('users'), v).select((eb) => eb.fn.countAll<number>().as('total')),
    ),
    runPrecompiled(db, `users.page:${filters}:${orderBy}:${paging.order}:${paged}`, pageValues, (v) => {
      let q = where(withBusiness(db), v).orderBy(`users.${orderBy}`, paging.order);
      if (orderBy !== 'id') q = q.orderBy('users.id', paging.order);
      return paged ? q.limit(v[values.length] as number).offset(v[values.length + 1] as number) : q;
    }),
  ]);
  return { rows, total: Number(total) };
}

// --- for the businesses domain (business creation and deletion) ---

/** The business a user belongs to (null: none); undefined when the user is gone. */
export async function membershipOf(db: Db, userId: number): Promise<number | null | undefined> {
  const row = await db.selectFrom('users').select('business_id').where('id', '=', userId).executeTakeFirst();
  return row?.business_id;
}

/** Everyone of a deleted business drops out of it (role 1). */
export async function dropBusinessMembers(trx: Db, businessId: number, now: number): Promise<void> {
  await trx.updateTable('users').set({ business_id: null, update_time: now }).where('business_id', '=', businessId).execute();
}

/** Registrations waiting for approval (/metrics). */
export async function countPendingUsers(db: Db): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
