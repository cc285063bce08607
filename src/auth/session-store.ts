import type { Db } from '../db/types.js';

/** The `sessions` table: one row per issued login token, keyed by its `jti`. */

export async function insertSession(db: Db, jti: string, userId: number, expiresAt: number, now: number): Promise<void> {
  await db.insertInto('sessions').values({ jti, user_id: userId, expires_at: expiresAt, revoked: 0, create_time: now }).execute();
}

export async function revokeSession(db: Db, jti: string): Promise<void> {
  await db.updateTable('sessions').set({ revoked: 1 }).where('jti', '=', jti).execute();
}

/** Revokes every live session of a user, except `keepJti`. */
export async function revokeUserSessions(db: Db, userId: number, keepJti?: string): Promise<void> {
  let q = db.updateTable('sessions').set({ revoked: 1 }).where('user_id', '=', userId).where('revoked', '=', 0);
  if (keepJti) q = q.where('jti', '<>', keepJti);
  await q.execute();
}

export async function deleteUserSessions(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

/** Drops sessions that expired before `before`. */
export async function deleteExpiredSessions(db: Db, before: number): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<', before).execute();
}
