/** Roles of API.md §2, derived from the data on every request and never stored. */
export const ROLES = [0, 1, 2, 3, 4] as const;
export type Role = (typeof ROLES)[number];

export const UserStatus = { pending: 0, approved: 1, notApproved: 2, forbidden: 3 } as const;
export const BusinessStatus = { pending: 0, approved: 1, disapproved: 2, deleted: 3 } as const;

export interface RoleFacts {
  readonly isSystem: boolean;
  readonly status: number;
  readonly isAdmin: boolean;
  /** Status of the user's business, or null without one. */
  readonly businessStatus: number | null;
}

export function deriveRole(f: RoleFacts): Role {
  if (f.isSystem) return 4;
  if (f.status === UserStatus.pending) return 0;
  if (f.businessStatus !== BusinessStatus.approved) return 1;
  return f.isAdmin ? 3 : 2;
}

/** Who is calling: the first argument of every service operation. */
export interface Caller {
  readonly userId: number;
  readonly userName: string;
  readonly role: Role;
  /** The business the caller is a member of (approved or not), or null. */
  readonly businessId: number | null;
  /** The business the caller acts for: set only while it is approved (roles 2 and 3). */
  readonly tenantId: number | null;
  readonly isAdmin: boolean;
  readonly jti: string;
}
