/** Roles of API.md §2, derived from the data on every request and never stored. */
export const Role = { pending: 0, approved: 1, member: 2, businessAdmin: 3, systemAdmin: 4 } as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES = [Role.pending, Role.approved, Role.member, Role.businessAdmin, Role.systemAdmin] as const;

/** The groups routes declare in `config.allow` (API.md §2). */
export const Allow = {
  anyone: ROLES,
  /** Everyone who registered and was approved, with or without a business. */
  approved: [Role.approved, Role.member, Role.businessAdmin, Role.systemAdmin],
  /** Approved users without an approved business (business application). */
  applicants: [Role.approved, Role.member, Role.businessAdmin],
  /** Members of an approved business, and the system administrator. */
  members: [Role.member, Role.businessAdmin, Role.systemAdmin],
  /** Business administrators and the system administrator. */
  admins: [Role.businessAdmin, Role.systemAdmin],
  systemAdmin: [Role.systemAdmin],
} as const satisfies Record<string, readonly Role[]>;

export const UserStatus = { pending: 0, approved: 1, notApproved: 2, forbidden: 3 } as const;
export const BusinessStatus = { pending: 0, approved: 1, disapproved: 2, deleted: 3 } as const;

interface RoleFacts {
  readonly isSystem: boolean;
  readonly status: number;
  readonly isAdmin: boolean;
  /** Status of the user's business, or null without one. */
  readonly businessStatus: number | null;
}

export function deriveRole(f: RoleFacts): Role {
  if (f.isSystem) return Role.systemAdmin;
  if (f.status === UserStatus.pending) return Role.pending;
  if (f.businessStatus !== BusinessStatus.approved) return Role.approved;
  return f.isAdmin ? Role.businessAdmin : Role.member;
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
