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
