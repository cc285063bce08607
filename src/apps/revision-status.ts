/**
 * A revision's audit status, named once (API.md §8). The API says the name;
 * the database and the audit body (`status: 1 | 2`) say the number, which is
 * the name's index in this tuple.
 */
export const REVISION_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type RevisionStatusName = (typeof REVISION_STATUSES)[number];

/** The stored number of each status (its index in REVISION_STATUSES; `Indexed` below checks that). */
export const RevisionStatus = { pending: 0, approved: 1, rejected: 2 } as const;
export type RevisionStatusCode = (typeof RevisionStatus)[RevisionStatusName];

type Indexed = { [K in RevisionStatusName]: (typeof REVISION_STATUSES)[(typeof RevisionStatus)[K]] extends K ? true : never };
const indexed: Indexed = { pending: true, approved: true, rejected: true };
void indexed;

/** The name of a stored number (an unknown number reads as pending, as before). */
export const statusName = (code: number): RevisionStatusName => REVISION_STATUSES[code] ?? 'pending';
export const statusCode = (name: RevisionStatusName): RevisionStatusCode => RevisionStatus[name];
