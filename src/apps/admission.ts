import { RevisionStatus } from '../access/revision-status.js';
import type { Caller } from '../access/roles.js';
import { BusinessStatus, Role } from '../access/roles.js';
import { getBusiness } from '../businesses/store.js';
import { ValidationError } from '../http/errors.js';
import { findExternal } from '../repository/external-store.js';
import { visibleProjectByName } from '../repository/project-store.js';
import type { Settings } from '../settings/schemas.js';
import type { RevisionRecord } from './revision-store.js';
import { platformRepository, specProblems } from './rules.js';
import type { AppSpec } from './schemas.js';
import type { Db } from './store.js';

/** The registry as the rules see it: its domain, and whether the hub manages it (knows its projects). */
export interface RegistryFacts {
  readonly domain?: string;
  readonly managed: boolean;
}

/** The business an application is created in: the caller's, or for the system administrator the one named. */
export async function ownerBusiness(db: Db, caller: Caller, businessId: number | undefined): Promise<number> {
  if (caller.role !== Role.systemAdmin) {
    if (businessId !== undefined) {
      throw new ValidationError({ businessId: 'unknown field (only the system administrator may set it)' });
    }
    return caller.tenantId as number; // roles 2 and 3 always act for their approved business
  }
  if (businessId === undefined) throw new ValidationError({ businessId: 'is required for the system administrator' });
  if ((await getBusiness(db, { kind: 'platform' }, businessId))?.status !== BusinessStatus.approved) {
    throw new ValidationError({ businessId: 'must be the id of an approved business' });
  }
  return businessId;
}

/** The spec's rules plus what only the database knows (the image's project, the external repository). */
export async function checkSpec(
  db: Db,
  registry: RegistryFacts,
  spec: AppSpec,
  businessId: number,
  settings: Settings,
): Promise<void> {
  const problems = specProblems(spec, { enableIngress: settings.enableIngress, registryDomain: registry.domain });
  const platform = platformRepository(spec.image, registry.domain);
  if (!problems.image && registry.managed && platform !== null) {
    // The business's own projects and public ones pull; anything else would only fail at the edge.
    const project = platform.split('/')[0];
    if (!(await visibleProjectByName(db, { kind: 'tenant', businessId }, project))) {
      problems.image = `no project "${project}" this business can pull from in the platform registry`;
    }
  }
  if (
    spec.repositoryId !== undefined &&
    (await findExternal(db, { kind: 'tenant', businessId }, [spec.repositoryId])).length === 0
  ) {
    problems.repositoryId = `no external repository "${spec.repositoryId}" in this business`;
  }
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
}

/** Auto-approval: a business or system administrator while `enableAdminAutoDeploy` is on. */
export function autoApproved(caller: Caller, settings: Settings): boolean {
  return (caller.role === Role.businessAdmin || caller.role === Role.systemAdmin) && settings.enableAdminAutoDeploy;
}

/** A new revision's row: approved at once (auto-approval) or pending its audit. */
export function newRevision(
  appId: number,
  revision: number,
  spec: AppSpec,
  approved: boolean,
  creatorId: number | null,
  now: number,
): Omit<RevisionRecord, 'id'> {
  return {
    app_id: appId,
    revision,
    spec: JSON.stringify(spec),
    status: approved ? RevisionStatus.approved : RevisionStatus.pending,
    comment: approved ? 'approved automatically (enableAdminAutoDeploy)' : '',
    creator_id: creatorId,
    create_time: now,
    update_time: now,
  };
}
