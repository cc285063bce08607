/** Shared by the benchmark runner and its server children. */
export const BARE_PATH = '/bare';
/** Users in the hub's database during the read benchmark: the system admin plus the seeded ones. */
export const TOTAL_USERS = 10_000;
/** Audit rows in the hub's database for the listing-under-load measurement (issue 11). */
export const AUDIT_ROWS = 100_000;
/** `pageSize=0` audit listings running at once while /healthz is measured. */
export const PARALLEL_LISTINGS = 6;
/** Clusters in the hub's database during the read benchmark (each with 2 labels and 3 nodes). */
export const TOTAL_CLUSTERS = 1_000;
export const NODES_PER_CLUSTER = 3;
/** The two list requests measured, on the hub and on the minimal handler alike. */
export const USER_LIST_PATH = '/v1/admin/user?page=1&pageSize=10';
export const CLUSTER_LIST_PATH = '/v1/cluster?page=1&pageSize=10';
