/** Shared by the benchmark runner and its server child. */
export const BARE_PATH = '/bare';
/** Users in the hub's database during the read benchmark: the system admin plus the seeded ones. */
export const TOTAL_USERS = 10_000;
