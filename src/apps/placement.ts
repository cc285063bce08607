import * as clusterStore from '../clusters/store.js';
import type { Db } from './store.js';

/** The label that selects every cluster (API.md §5, §8). */
export const ALL = 'all';

/** Does an application with this `clusterLabel` belong on a cluster with these labels? */
export const placedOn = (clusterLabel: string, labels: readonly string[]): boolean =>
  clusterLabel === ALL || labels.includes(clusterLabel);

/**
 * Placement is a pure function of the database: the clusters whose labels
 * match an application's `clusterLabel` ("all": every cluster). Nothing is
 * stored, so a label added or removed later moves the application at once.
 */
export function clustersWithLabel(db: Db, label: string): Promise<{ id: number; name: string; paused: number }[]> {
  return clusterStore.clustersLabelled(db, label === ALL ? null : label);
}

/** Ids of the clusters any of these labels selects (for the desired-state wake-up). */
export async function clusterIdsFor(db: Db, labels: readonly (string | null | undefined)[]): Promise<number[]> {
  const wanted = [...new Set(labels.filter((l): l is string => !!l))];
  if (wanted.length === 0) return [];
  if (wanted.includes(ALL)) return clusterStore.allClusterIds(db);
  return clusterStore.clusterIdsWithAnyLabel(db, wanted);
}
