import { type Caller, Role } from '../access/roles.js';
import { scopeOf } from '../access/scope.js';
import type { DesiredStateBus } from '../agent-link/desired-bus.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Db } from '../db/types.js';
import { Conflict, NotFound, ValidationError } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import { actingBusinessInto } from './acting.js';
import { addressProblem } from './address.js';
import * as store from './external-store.js';
import type { CreateExternalBody, DeleteExternalBody, ExternalRow, ListExternalQuery } from './schemas.js';
import type { SecretBox } from './secret-box.js';

type Record = Awaited<ReturnType<typeof store.findExternal>>[number];

/**
 * External registries (API.md §7 `/v1/repository/third`): credentials a
 * business's clusters pull with. The hub never connects to them and needs no
 * registry of its own for this; the password is sealed at rest and only ever
 * leaves as a pull secret in the business's namespaces.
 */
export class ExternalService {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly desired: DesiredStateBus,
  ) {}

  async create(caller: Caller, input: CreateExternalBody): Promise<number> {
    const problems: { [field: string]: string } = {};
    const problem = addressProblem(input.address);
    if (problem) problems.address = problem;
    const businessId = await actingBusinessInto(this.db, caller, input.businessId, problems);
    if (businessId === null || Object.keys(problems).length > 0) throw new ValidationError(problems);
    let id: number;
    try {
      id = await store.insertExternal(this.db, {
        businessId,
        repositoryId: input.repositoryId,
        address: input.address,
        user: input.user,
        sealed: this.box.seal(input.password),
        now: nowSeconds(),
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new Conflict(`repositoryId: the business already has an external repository "${input.repositoryId}"`);
      }
      throw err;
    }
    this.desired.changed('all');
    return id;
  }

  async list(caller: Caller, q: ListExternalQuery): Promise<{ rows: ExternalRow[]; total: number }> {
    const { rows, total } = await store.listExternal(this.db, scopeOf(caller), q.businessId, q);
    return { rows: rows.map(toRow), total };
  }

  async get(caller: Caller, repositoryId: string, businessId?: number): Promise<ExternalRow> {
    const found = await store.findExternal(this.db, scopeOf(caller), [repositoryId], businessId);
    if (found.length === 0) throw new NotFound(`no external repository "${repositoryId}"`);
    if (found.length > 1) throw ambiguous(found);
    return toRow(found[0]);
  }

  /** All or nothing: every name must exist (once) in the business before any is removed. */
  async remove(caller: Caller, input: DeleteExternalBody): Promise<void> {
    const businessId = caller.role === Role.systemAdmin ? input.businessId : undefined;
    if (caller.role !== Role.systemAdmin && input.businessId !== undefined) {
      throw new ValidationError({ businessId: 'unknown field (only the system administrator may set it)' });
    }
    await this.db.transaction().execute(async (trx) => {
      const found = await store.findExternal(trx, scopeOf(caller), input.repositoryId, businessId);
      const missing = input.repositoryId.filter((r) => !found.some((f) => f.repository_id === r));
      if (missing.length > 0) {
        throw new NotFound(`repositoryId: no external repository ${missing.map((m) => `"${m}"`).join(', ')}`);
      }
      if (found.length > input.repositoryId.length) throw ambiguous(found);
      await store.deleteExternal(
        trx,
        found.map((f) => f.id),
      );
    });
    this.desired.changed('all');
  }
}

function ambiguous(found: readonly Record[]): ValidationError {
  const businesses = [...new Set(found.map((f) => f.business_id))].join(', ');
  return new ValidationError({ businessId: `is required: several businesses (${businesses}) use this repositoryId` });
}

function toRow(r: Record): ExternalRow {
  return {
    id: r.id,
    repositoryId: r.repository_id,
    address: r.address,
    user: r.user_name,
    businessId: r.business_id,
    createTime: r.create_time,
  };
}
