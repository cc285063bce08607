import { type Caller, Role } from './roles.js';

/**
 * Whose objects a query may see: the whole platform (system administrator) or
 * one business.
 *
 * The rule: every store function that a route calls to *find* tenant-owned rows
 * for a caller takes a `Scope` (`users.getUser`/`listUsers`,
 * `project-store` visible/owned reads and `listProjects`, `external-store`
 * `listExternal`/`findExternal`, `apps/store` `getApp`/`listApps`/revisions,
 * `alerts/store` `firingExternal`/`runningApps`) or, for businesses themselves,
 * a `BusinessView` (`getBusiness`/`listBusinesses`; a creator must see its
 * pending business), so another tenant's object is not found (404).
 *
 * Unscoped store functions exist, and are allowed only where no tenant caller
 * chooses the row:
 * - identity: the caller's own user (`findSelf`, `findBySession`,
 *   `findByNameKey`, `membershipOf`), its own sessions and registry account;
 * - by id, after a scoped read found the row (writes, image rows of a project
 *   found with the caller's scope, `imageCounts` of listed projects);
 * - checks another domain runs inside its transaction (`businessStatus` and
 *   `holdApproved` for a system administrator's `businessId`,
 *   `approvedCreatedBy`, `projectsOfBusiness` on business deletion);
 * - background and platform work: the desired state (`approvedBusinesses`,
 *   `allSealed`), registry webhooks and the registry token endpoint (which
 *   applies its own grant rules to `projectsByName`), audit and settings (system
 *   administrator only);
 * - clusters and nodes, which belong to the platform, not to a business.
 */
export type Scope = { readonly kind: 'platform' } | { readonly kind: 'tenant'; readonly businessId: number };

/** Role 4 sees everything; everyone else only the business they act for (none: nothing). */
export function scopeOf(caller: Caller): Scope {
  if (caller.role === Role.systemAdmin) return { kind: 'platform' };
  // -1 matches no row: a caller without an approved business owns nothing.
  return { kind: 'tenant', businessId: caller.tenantId ?? -1 };
}
