import type { Db } from '../db/types.js';

/** The label that selects every cluster (API.md §5, §8). */
export const ALL = 'all';

/**
 * Placement is a pure function of the database: the clusters whose labels
 * match an application's `clusterLabel` ("all": every cluster). Nothing is
 * stored, so a label added or removed later moves the application at once.
 */
export async function clustersWithLabel(db: Db, label: string): Promise<{ id: number; name: string }[]> {
  let q = db.selectFrom('clusters').select(['clusters.id', 'clusters.name']);
  if (label !== ALL) {
    q = q.where('clusters.id', 'in', db.selectFrom('cluster_labels').select('cluster_id').where('label', '=', label));
  }
  return q.orderBy('clusters.name').orderBy('clusters.id').execute();
}

/** Ids of the clusters any of these labels selects (for the desired-state wake-up). */
export async function clusterIdsFor(db: Db, labels: readonly (string | null | undefined)[]): Promise<number[]> {
  const wanted = [...new Set(labels.filter((l): l is string => !!l))];
  if (wanted.length === 0) return [];
  if (wanted.includes(ALL)) {
    return (await db.selectFrom('clusters').select('id').execute()).map((r) => r.id);
  }
  const rows = await db.selectFrom('cluster_labels').select('cluster_id').distinct().where('label', 'in', wanted).execute();
  return rows.map((r) => r.cluster_id);
}
