import { type Caller, Role } from './roles.js';

/**
 * Whose objects a query may see: the whole platform (system administrator) or
 * one business. Every store function of a tenant-owned table takes one; there
 * is no unscoped variant.
 */
export type Scope = { readonly kind: 'platform' } | { readonly kind: 'tenant'; readonly businessId: number };

/** Role 4 sees everything; everyone else only the business they act for (none: nothing). */
export function scopeOf(caller: Caller): Scope {
  if (caller.role === Role.systemAdmin) return { kind: 'platform' };
  // -1 matches no row: a caller without an approved business owns nothing.
  return { kind: 'tenant', businessId: caller.tenantId ?? -1 };
}
