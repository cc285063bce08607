import { BusinessStatus } from '../access/roles.js';
import * as store from './store.js';
import type { Db } from '../db/types.js';

/** The Kubernetes namespace of a business in every edge cluster (API.md §4: `ns<id>`). */
export const namespaceOf = (businessId: number): string => `ns${businessId}`;

/**
 * The namespaces every cluster must have: one per approved business, in byte
 * order (the API's one string order). Pure: the agent link computes a
 * cluster's desired state from rows, and unit tests feed rows directly.
 */
export function desiredNamespaces(businesses: readonly { id: number; status: number }[]): string[] {
  return businesses
    .filter((b) => b.status === BusinessStatus.approved)
    .map((b) => namespaceOf(b.id))
    .sort();
}

/** Reads the businesses from the database and answers their desired namespaces. */
export async function loadDesiredNamespaces(db: Db): Promise<string[]> {
  return desiredNamespaces(await store.approvedBusinesses(db));
}
