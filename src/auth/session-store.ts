import { runPrecompiled } from '../db/precompiled.js';
import type { Db } from '../db/types.js';

/** The `sessions` table: one row per issued login token, keyed by its `jti`. */

/** `within`: the caller's transaction (a login's, with its throttle release). */
export async function insertSession(
  db: Db,
  jti: string,
  userId: number,
  expiresAt: number,
  now: number,
  within: Db = db,
): Promise<void> {
  // Compiled once (issue #13): every login and refresh writes one.
  await runPrecompiled(
    db,
    'sessions.insert',
    [jti, userId, expiresAt, now],
    ([j, u, e, n]) =>
      db
        .insertInto('sessions')
        .values({ jti: j as string, user_id: u as number, expires_at: e as number, revoked: 0, create_time: n as number }),
    within,
  );
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
