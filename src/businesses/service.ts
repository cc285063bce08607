import { BusinessStatus, type Caller, Role } from '../access/roles.js';
import { scopeOf } from '../access/scope.js';
import type { DesiredStateBus } from '../agent-link/desired-bus.js';
import { isUniqueViolation } from '../db/errors.js';
import type { BusinessRecord, Db } from '../db/types.js';
import { Conflict, Forbidden, NotFound, Unauthenticated } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import * as users from '../users/store.js';
import type { AuditBusinessBody, BusinessDetail, BusinessRow, CreateBusinessBody, ListBusinessesQuery } from './schemas.js';
import * as store from './store.js';

/**
 * Checks other domains attach to business deletion, run inside its
 * transaction; a hook refuses by throwing (e.g. a `Conflict` naming the
 * projects that must be deleted first).
 */
type BusinessDeletionHook = (trx: Db, businessId: number) => Promise<void>;

/** Business management (API.md §4): creation, listing, audit, deletion. */
export class BusinessesService {
  private readonly deletionHooks: BusinessDeletionHook[] = [];

  constructor(
    private readonly db: Db,
    /** Read at each call: the agent link replaces the bus after assembly. */
    private readonly desired: DesiredStateBus,
  ) {}

  onDelete(hook: BusinessDeletionHook): void {
    this.deletionHooks.push(hook);
  }

  /**
   * A users-domain deletion hook (`users.onDelete`): a deleted user's pending
   * or disapproved applications are withdrawn (status 3), so no business is
   * approved without its creator and their names are free again. An approved
   * business already blocks the deletion of its creator (409).
   */
  readonly withdrawApplications = async (trx: Db, userId: number): Promise<void> => {
    await store.withdrawApplications(trx, userId, nowSeconds());
  };

  /** An approved admin without a pending or approved business applies for one; it joins it at once. */
  async create(caller: Caller, input: CreateBusinessBody): Promise<number> {
    // The route already refuses role 4 (Allow.applicants); kept here so the rule reads whole.
    if (caller.role === Role.systemAdmin) throw new Forbidden('the system administrator has no business of its own');
    if (!caller.isAdmin) {
      // isAdmin is fixed at registration: say so, and who can help, instead of a bare refusal.
      throw new Forbidden(
        'this account is not an administrator account (it was registered with isAdmin: false, which cannot be ' +
          'changed later), so it cannot create a business. Businesses are created by administrator accounts: ' +
          'register one with isAdmin: true and have it approved, or ask a system administrator for an ' +
          'administrator sub-user (isAdmin: true) of an existing business (POST /v1/admin/user)',
      );
    }
    const now = nowSeconds();
    try {
      return await this.db.transaction().execute(async (trx) => {
        // Holds the creator's row until commit, so two concurrent creations by one user run one
        // after the other and the second sees the first's business (PostgreSQL read committed).
        if (!(await users.holdUser(trx, caller.userId))) throw new Unauthenticated('token revoked or expired');
        const live = await store.liveBusinessOf(trx, caller.userId, (await users.membershipOf(trx, caller.userId)) ?? null);
        if (live) {
          const state = live.status === BusinessStatus.pending ? 'a pending' : 'an approved';
          throw new Conflict(`you already have ${state} business (id ${live.id})`);
        }
        const id = await store.insertBusiness(
          trx,
          {
            name: input.name,
            user_id: caller.userId,
            introduce: input.introduce,
            objective: input.objective,
            scale: input.scale,
          },
          now,
        );
        await users.updateUser(trx, caller.userId, { business_id: id }, now);
        return id;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`name: the business name "${input.name}" is already taken`);
      throw err;
    }
  }

  async list(caller: Caller, q: ListBusinessesQuery): Promise<{ rows: BusinessRow[]; total: number }> {
    const { rows, total } = await store.listBusinesses(this.db, viewOf(caller), { name: q.name }, q);
    return { rows: rows.map(toRow), total };
  }

  async get(caller: Caller, id: number): Promise<BusinessDetail> {
    const b = await store.getBusiness(this.db, viewOf(caller), id);
    if (!b) throw new NotFound(`business ${id} not found`);
    return { ...toRow(b), introduce: b.introduce, objective: b.objective, scale: b.scale };
  }

  /**
   * Approves or disapproves a pending business. Approval is the desired-state
   * change (namespace `ns<id>` everywhere): it is this status write, and the
   * agent link is woken after the commit.
   */
  async audit(caller: Caller, id: number, input: AuditBusinessBody): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const changed = await store.changeStatus(
        trx,
        scopeOf(caller),
        id,
        [BusinessStatus.pending],
        { status: input.status, comment: input.comment },
        nowSeconds(),
      );
      if (changed === 0) await this.refuse(trx, caller, id, 'only a pending business can be audited');
    });
    this.desired.changed('all');
  }

  /**
   * Deletes (status 3) a business that is not deleted yet: its members drop to
   * role 1 and its namespace leaves every cluster. Other domains' hooks may
   * refuse (projects still present).
   */
  async remove(caller: Caller, id: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const now = nowSeconds();
      const live = [BusinessStatus.pending, BusinessStatus.approved, BusinessStatus.disapproved];
      const changed = await store.changeStatus(trx, scopeOf(caller), id, live, { status: BusinessStatus.deleted }, now);
      if (changed === 0) await this.refuse(trx, caller, id, 'the business is already deleted');
      for (const hook of this.deletionHooks) await hook(trx, id);
      await users.dropBusinessMembers(trx, id, now);
    });
    this.desired.changed('all');
  }

  /** Tells "no such business" (404) from "not in a state that allows it" (409). */
  private async refuse(trx: Db, caller: Caller, id: number, conflict: string): Promise<never> {
    const b = await store.getBusiness(trx, viewOf(caller), id);
    if (!b) throw new NotFound(`business ${id} not found`);
    throw new Conflict(`${conflict} (business ${id} is ${STATUS_NAMES[b.status] ?? `in status ${b.status}`})`);
  }
}

const STATUS_NAMES: Record<number, string> = { 0: 'pending', 1: 'approved', 2: 'disapproved', 3: 'deleted' };

/** The system administrator reads every business; anyone else the ones it created or belongs to. */
function viewOf(caller: Caller): store.BusinessView {
  return caller.role === Role.systemAdmin
    ? { kind: 'platform' }
    : { kind: 'user', userId: caller.userId, businessId: caller.businessId };
}

function toRow(b: BusinessRecord): BusinessRow {
  return {
    id: b.id,
    name: b.name,
    userId: b.user_id,
    comment: b.comment,
    status: b.status,
    createTime: b.create_time,
    updateTime: b.update_time,
  };
}
