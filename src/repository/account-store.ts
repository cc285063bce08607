import type { Db } from '../db/types.js';

/** The `registry_accounts` table: one registry login per platform user. */

export async function insertAccount(
  db: Db,
  a: { userId: number; userName: string; passwordHash: string },
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('registry_accounts')
    .values({
      user_id: a.userId,
      user_name: a.userName,
      name_key: a.userName.toLowerCase(),
      password_hash: a.passwordHash,
      create_time: now,
      update_time: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Answers whether the user had an account to update. */
export async function setAccountPassword(db: Db, userId: number, hash: string, now: number): Promise<boolean> {
  const res = await db
    .updateTable('registry_accounts')
    .set({ password_hash: hash, update_time: now })
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function hasAccount(db: Db, userId: number): Promise<boolean> {
  const row = await db.selectFrom('registry_accounts').select('id').where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}

export async function deleteAccountOf(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('registry_accounts').where('user_id', '=', userId).execute();
}

/** The account a registry login names (case-insensitively), for the token endpoint. */
export function accountByName(db: Db, userName: string) {
  return db
    .selectFrom('registry_accounts')
    .select(['user_id', 'user_name', 'password_hash'])
    .where('name_key', '=', userName.toLowerCase())
    .executeTakeFirst();
}
