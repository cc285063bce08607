/** Shared by the benchmark runner and its server child. */
export const BARE_PATH = '/bare';
/** Users in the hub's database during the read benchmark: the system admin plus the seeded ones. */
export const TOTAL_USERS = 10_000;
/** Audit rows in the hub's database for the listing-under-load measurement (issue 11). */
export const AUDIT_ROWS = 100_000;
/** `pageSize=0` audit listings running at once while /healthz is measured. */
export const PARALLEL_LISTINGS = 6;
