import type { DesiredStateContributor } from '../agent-link/desired-builder.js';
import * as store from './label-store.js';

/** The nodes' part of each cluster's desired state: the OTE labels each node must carry (API.md §6). */
export function nodeLabelsContributor(): DesiredStateContributor {
  return {
    name: 'node-labels',
    async contribute(db, clusters) {
      const labels = await store.desiredNodeLabels(
        db,
        clusters.map((c) => c.id),
      );
      return new Map([...labels].map(([id, nodeLabels]) => [id, { nodeLabels }]));
    },
  };
}
