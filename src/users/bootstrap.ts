import { randomInt } from 'node:crypto';
import { UserStatus } from '../access/roles.js';
import { hashPassword } from '../auth/passwords.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../lib/log.js';
import { nowSeconds } from '../lib/time.js';
import { PASSWORD_RE } from '../lib/validation.js';
import * as store from './store.js';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A 20-character password from a CSPRNG that passes the policy. */
export function generatePassword(): string {
  for (;;) {
    const p = Array.from({ length: 20 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    if (PASSWORD_RE.test(p)) return p;
  }
}

/**
 * On first start (no system administrator yet) creates one from
 * OTE_ADMIN_USER / OTE_ADMIN_PASSWORD, or with a generated password that is
 * printed once. Replicas starting together: the unique name lets one win.
 */
export async function bootstrapAdmin(db: Db, userName: string, password: string | undefined, log: Logger): Promise<void> {
  if (await store.systemAdminExists(db)) return;
  const chosen = password ?? generatePassword();
  const now = nowSeconds();
  try {
    await store.insertUser(db, {
      user_name: userName,
      name_key: userName.toLowerCase(),
      password_hash: await hashPassword(chosen),
      phone: '',
      real_name: 'System administrator',
      is_admin: 1,
      is_system: 1,
      status: UserStatus.approved,
      business_id: null,
      create_time: now,
      update_time: now,
    });
  } catch (err) {
    if (isUniqueViolation(err) && (await store.systemAdminExists(db))) return;
    throw err;
  }
  if (password) {
    log.info({ user: userName }, 'created the system administrator from OTE_ADMIN_USER / OTE_ADMIN_PASSWORD');
  } else {
    // The one place a password is ever printed: a generated one, once, on first start.
    log.warn(`created the system administrator "${userName}" with the generated password: ${chosen} (shown once; change it)`);
  }
}

/** Ends every live login of a user (the auth domain's sessions), inside the caller's transaction. */
export type RevokeSessions = (trx: Db, userId: number) => Promise<void>;

/**
 * `ote admin reset-password`: gives `userName` (default: the system administrator) a new
 * generated password and revokes its tokens, in one transaction. Works on the database
 * directly, so a lost or never-seen bootstrap password can be recovered by whoever runs
 * the hub. Answers the user's name and the password (to print once).
 */
export async function resetPasswordOffline(
  db: Db,
  userName: string | undefined,
  revokeSessions: RevokeSessions,
): Promise<{ user: string; password: string; status: number }> {
  const user = userName ? await store.findByNameKey(db, userName.toLowerCase()) : await store.findSystemAdmin(db);
  if (!user) {
    throw new Error(
      userName
        ? `no user "${userName}" in this database`
        : 'this database has no system administrator yet: start the hub once (ote serve) to create it',
    );
  }
  const password = generatePassword();
  const hash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    await store.updateUser(trx, user.id, { password_hash: hash }, nowSeconds());
    await revokeSessions(trx, user.id);
  });
  return { user: user.user_name, password, status: user.status };
}
