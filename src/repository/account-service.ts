import type { Caller } from '../access/roles.js';
import { hashPassword } from '../auth/passwords.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Db } from '../db/types.js';
import { Conflict, NotFound, ValidationError } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import type { RegistryHub } from '../registry/hub.js';
import { RESERVED_PREFIX } from '../registry/robots.js';
import * as store from './account-store.js';
import type { AccountPasswordBody, CreateAccountBody } from './schemas.js';

/**
 * Registry accounts (API.md §7): one per platform user, the HTTP Basic
 * credentials `docker login`/skopeo present to the token endpoint. The hash is
 * argon2id like platform passwords.
 */
export class AccountsService {
  constructor(
    private readonly db: Db,
    private readonly registry: RegistryHub,
  ) {}

  async create(caller: Caller, input: CreateAccountBody): Promise<number> {
    this.registry.requireClient();
    if (input.user.toLowerCase().startsWith(RESERVED_PREFIX)) {
      throw new ValidationError({ user: `names starting with "${RESERVED_PREFIX}" are reserved for the platform` });
    }
    const hash = await hashPassword(input.password);
    const now = nowSeconds();
    if (await this.has(caller.userId)) throw new Conflict('you already have a registry account');
    try {
      return await store.insertAccount(this.db, { userId: caller.userId, userName: input.user, passwordHash: hash }, now);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Either constraint: a concurrent second account of this user, or the name is taken.
      if (await this.has(caller.userId)) throw new Conflict('you already have a registry account');
      throw new Conflict(`user: the registry user name "${input.user}" is already taken`);
    }
  }

  async changePassword(caller: Caller, input: AccountPasswordBody): Promise<void> {
    this.registry.requireClient();
    const hash = await hashPassword(input.password);
    if (!(await store.setAccountPassword(this.db, caller.userId, hash, nowSeconds())))
      throw new NotFound('you have no registry account');
  }

  async has(userId: number): Promise<boolean> {
    return store.hasAccount(this.db, userId);
  }

  /** User deletion hook: the registry account goes with its user, in the same transaction. */
  static async removeForUser(trx: Db, userId: number): Promise<void> {
    await store.deleteAccountOf(trx, userId);
  }
}
