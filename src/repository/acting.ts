import { BusinessStatus, type Caller, Role } from '../access/roles.js';
import { businessStatus } from '../businesses/store.js';
import type { Db } from '../db/types.js';
import { ValidationError } from '../http/errors.js';

/**
 * The business a create acts for: the caller's own (roles 2 and 3), or the
 * approved business a system administrator names with `businessId`.
 */
async function actingBusiness(db: Db, caller: Caller, businessId: number | undefined): Promise<number> {
  if (caller.role !== Role.systemAdmin) {
    if (businessId !== undefined) {
      throw new ValidationError({ businessId: 'unknown field (only the system administrator may set it)' });
    }
    // The routes admit roles 2-3 here, who always act for an approved business.
    return caller.tenantId as number;
  }
  if (businessId === undefined) throw new ValidationError({ businessId: 'is required for the system administrator' });
  if ((await businessStatus(db, businessId)) !== BusinessStatus.approved) {
    throw new ValidationError({ businessId: 'must be the id of an approved business' });
  }
  return businessId;
}

/** actingBusiness, but a refusal joins `problems` (one 422 names every offending field) instead of being thrown. */
export async function actingBusinessInto(
  db: Db,
  caller: Caller,
  businessId: number | undefined,
  problems: Record<string, string>,
): Promise<number | null> {
  try {
    return await actingBusiness(db, caller, businessId);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    Object.assign(problems, err.fields);
    return null;
  }
}
