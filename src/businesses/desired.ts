import { BusinessStatus } from '../access/roles.js';
import type { DesiredStateContributor } from '../agent-link/desired-builder.js';
import type { Db } from '../db/types.js';
import * as store from './store.js';

/** The Kubernetes namespace of a business in every edge cluster (API.md §4: `ns<id>`). */
export const namespaceOf = (businessId: number): string => `ns${businessId}`;

/**
 * The namespaces every cluster must have: one per approved business, in byte
 * order (the API's one string order). Pure: `namespacesContributor` feeds it
 * rows from the database, and unit tests feed rows directly.
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

/** The businesses' part of every cluster's desired state: the namespaces of approved businesses, read once. */
export function namespacesContributor(): DesiredStateContributor {
  return {
    name: 'business-namespaces',
    async contribute(db, clusters) {
      // One part (one array) for every cluster: the builder serializes it once.
      const part = { namespaces: await loadDesiredNamespaces(db) };
      return new Map(clusters.map((c) => [c.id, part]));
    },
  };
}
