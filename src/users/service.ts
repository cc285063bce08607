import { type Caller, deriveRole, Role, UserStatus } from '../access/roles.js';
import { scopeOf } from '../access/scope.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { TokenService } from '../auth/tokens.js';
import * as businesses from '../businesses/store.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Db } from '../db/types.js';
import { Conflict, NotFound, ValidationError } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import type {
  AuditUserBody,
  ChangePasswordBody,
  CreateSubUserBody,
  CreateUserBody,
  ListUsersQuery,
  ResetPasswordBody,
  UserRow,
} from './schemas.js';
import * as store from './store.js';

/** Hooks other domains attach to user deletion (e.g. the registry account goes with the user). */
type UserDeletionHook = (trx: Db, userId: number) => Promise<void>;

export class UsersService {
  private readonly deletionHooks: UserDeletionHook[] = [];

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
    /** Inside a transaction: whether a business may take members (approved), holding it until commit. */
    private readonly holdApproved: (trx: Db, id: number) => Promise<boolean>,
  ) {}

  onDelete(hook: UserDeletionHook): void {
    this.deletionHooks.push(hook);
  }

  /** Self-registration: pending until a system administrator approves. */
  register(input: CreateUserBody): Promise<number> {
    return this.create(input, UserStatus.pending, null);
  }

  async createSubUser(caller: Caller, input: CreateSubUserBody): Promise<number> {
    const { businessId, ...user } = input;
    let target: number;
    if (caller.role === Role.systemAdmin) {
      if (businessId === undefined) throw new ValidationError({ businessId: 'is required for the system administrator' });
      target = businessId;
    } else {
      if (businessId !== undefined) {
        throw new ValidationError({ businessId: 'unknown field (only the system administrator may set it)' });
      }
      // Role 3 (the route admits no other) always acts for its approved business.
      target = caller.tenantId as number;
    }
    return this.create(user, UserStatus.approved, target, async (trx) => {
      if (await this.holdApproved(trx, target)) return;
      // Role 3's business was approved when the request began: it was deleted meanwhile.
      if (caller.role === Role.systemAdmin) throw new ValidationError({ businessId: 'must be the id of an approved business' });
      throw new Conflict(`business ${target} is no longer approved`);
    });
  }

  private async create(
    input: CreateUserBody,
    status: number,
    businessId: number | null,
    /** Runs in the insert's transaction first (the business check of a sub-user). */
    before?: (trx: Db) => Promise<void>,
  ): Promise<number> {
    const now = nowSeconds();
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.db.transaction().execute(async (trx) => {
        await before?.(trx);
        return store.insertUser(trx, {
          user_name: input.user,
          name_key: input.user.toLowerCase(),
          password_hash: passwordHash,
          phone: input.phone,
          real_name: input.realName,
          is_admin: input.isAdmin ? 1 : 0,
          is_system: 0,
          status,
          business_id: businessId,
          create_time: now,
          update_time: now,
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`user: the name "${input.user}" is already taken`);
      throw err;
    }
  }

  async changePassword(caller: Caller, input: ChangePasswordBody): Promise<void> {
    const user = await store.findSelf(this.db, caller.userId);
    if (!user || !(await verifyPassword(user.password_hash, input.oldPassword))) {
      throw new ValidationError({ oldPassword: 'is not the current password' });
    }
    if (input.password === input.oldPassword) {
      throw new ValidationError({ password: 'must differ from the old password' });
    }
    const hash = await hashPassword(input.password);
    await this.db.transaction().execute(async (trx) => {
      // Only over the hash the old password was checked against: of two concurrent changes
      // the second no longer knows the current password and must not answer 200.
      if (!(await store.replacePasswordHash(trx, user.id, user.password_hash, hash, nowSeconds()))) {
        throw new ValidationError({ oldPassword: 'is not the current password' });
      }
      await this.tokens.revokeUser(user.id, caller.jti, trx);
    });
  }

  async list(caller: Caller, q: ListUsersQuery): Promise<{ rows: UserRow[]; total: number }> {
    const { rows, total } = await store.listUsers(this.db, scopeOf(caller), { user: q.user, status: q.status }, q, q.orderBy);
    return { rows: rows.map(toRow), total };
  }

  async audit(caller: Caller, id: number, input: AuditUserBody): Promise<void> {
    const user = await this.mustGet(caller, id);
    if (user.is_system) throw new Conflict('the system administrator cannot be audited');
    await this.db.transaction().execute(async (trx) => {
      await store.updateUser(trx, id, { status: input.status }, nowSeconds());
      if (input.status === UserStatus.forbidden || input.status === UserStatus.notApproved) {
        await this.tokens.revokeUser(id, undefined, trx);
      }
    });
  }

  async resetPassword(caller: Caller, id: number, input: ResetPasswordBody): Promise<void> {
    const user = await this.mustGet(caller, id);
    const hash = await hashPassword(input.password);
    await this.db.transaction().execute(async (trx) => {
      await store.updateUser(trx, user.id, { password_hash: hash }, nowSeconds());
      await this.tokens.revokeUser(user.id, user.id === caller.userId ? caller.jti : undefined, trx);
    });
  }

  async remove(caller: Caller, id: number): Promise<void> {
    const user = await this.mustGet(caller, id);
    if (user.id === caller.userId) throw new Conflict('you cannot delete yourself');
    if (user.is_system) throw new Conflict('the system administrator cannot be deleted');
    await this.db.transaction().execute(async (trx) => {
      // The user's row first: a business it applies for meanwhile waits, then finds it gone.
      if (!(await store.holdUser(trx, id))) throw new NotFound(`user ${id} not found`);
      for (const hook of this.deletionHooks) await hook(trx, id);
      // Only after the hooks withdrew its pending applications (holding their rows), so a
      // business approved meanwhile is seen here and refuses the deletion.
      const created = await businesses.approvedCreatedBy(trx, id);
      if (created) {
        throw new Conflict(
          `the user created the approved business "${created.name}" (id ${created.id}); delete the business first`,
        );
      }
      await this.tokens.removeUser(id, trx);
      await store.deleteUser(trx, id);
    });
  }

  private async mustGet(caller: Caller, id: number): Promise<store.UserWithBusiness> {
    const user = await store.getUser(this.db, scopeOf(caller), id);
    if (!user) throw new NotFound(`user ${id} not found`);
    return user;
  }
}

export function toRow(u: store.UserWithBusiness): UserRow {
  return {
    id: u.id,
    user: u.user_name,
    status: u.status,
    realName: u.real_name,
    phone: u.phone,
    isAdmin: u.is_admin === 1,
    role: deriveRole({
      isSystem: u.is_system === 1,
      status: u.status,
      isAdmin: u.is_admin === 1,
      businessStatus: u.business_status,
    }),
    businessId: u.business_id,
    createTime: u.create_time,
    updateTime: u.update_time,
  };
}
