import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { pacer } from '../lib/slices.js';
import { canonicalNodeLabels, sharedSorted, unite } from './desired-merge.js';
import type { DesiredState, PullSecret } from './protocol.js';
import { byteOrder, secretKey, stateHash } from './state-hash.js';

// Other domains' builders (Application Management) chunk their id lists with these too.
export { CHUNK, chunks } from '../lib/chunks.js';
export { stableJson } from './state-hash.js';

type Db = Kysely<Database>;

/** The facts about a cluster a contributor may place things by. */
export interface ClusterFacts {
  readonly id: number;
  readonly name: string;
  readonly paused: boolean;
  /** Cluster labels, byte order. */
  readonly labels: readonly string[];
}

/** Reads the facts of the clusters asked about (the clusters domain owns them); unknown ids are left out. */
export type ClusterFactsReader = (db: Db, ids: readonly number[]) => Promise<ClusterFacts[]>;

/**
 * A domain that adds to clusters' desired state (the businesses' namespaces,
 * the nodes' labels, the registry's pull secrets, Application Management's
 * workloads). Called once per recompute with every affected cluster, so
 * shared parts are computed once, not per cluster. Return nothing for a
 * cluster that gets nothing.
 *
 * Cost follows the change when a contributor hands out the same objects (by
 * identity) for what did not change: each object's JSON and hash are made
 * once per object (state-hash.ts), and lists given to every cluster (one
 * array) are sorted once. Application Management caches its rendered objects.
 */
export interface DesiredStateContributor {
  readonly name: string;
  contribute(db: Db, clusters: readonly ClusterFacts[]): Promise<ReadonlyMap<number, Partial<DesiredState>>>;
}

export interface BuiltState {
  readonly facts: ClusterFacts;
  readonly state: DesiredState;
  readonly hash: string;
}

/**
 * Each cluster's desired state, from its facts and what the contributors give
 * it (a pure function of the database: they read it), with its hash
 * (state-hash.ts). Parts are summed in the order contributors were added:
 * namespaces and pull secrets as sets in byte order, node labels united per
 * node, workloads concatenated. The loop gives way to other work between
 * slices, so a fleet-wide recompute does not hold the event loop.
 */
export async function buildDesired(
  db: Db,
  facts: readonly ClusterFacts[],
  contributors: readonly DesiredStateContributor[],
): Promise<Map<number, BuiltState>> {
  const out = new Map<number, BuiltState>();
  if (facts.length === 0) return out;
  const contributed = await Promise.all(contributors.map((c) => c.contribute(db, facts)));
  const namespacesOf = sharedSorted<string>(
    (a, b) => byteOrder(a, b),
    (a) => [...new Set(a)],
  );
  const secretsOf = sharedSorted<PullSecret>((a, b) => byteOrder(secretKey(a), secretKey(b)));
  const pace = pacer();
  for (const f of facts) {
    const p = pace();
    if (p) await p;
    const parts: Partial<DesiredState>[] = [];
    for (const c of contributed) {
      const part = c.get(f.id);
      if (part) parts.push(part);
    }
    const state: DesiredState = {
      namespaces: namespacesOf(parts.map((x) => x.namespaces)),
      nodeLabels: canonicalNodeLabels(unite(parts.map((x) => x.nodeLabels))),
      pullSecrets: secretsOf(parts.map((x) => x.pullSecrets)),
      workloads: concat(parts.map((x) => x.workloads)),
      paused: f.paused,
    };
    out.set(f.id, { facts: f, state, hash: stateHash(state) });
  }
  return out;
}

function concat<T>(lists: readonly (readonly T[] | undefined)[]): T[] {
  const given = lists.filter((l): l is readonly T[] => !!l && l.length > 0);
  // The one list is handed on as is (never mutated downstream): no copy for the common case.
  if (given.length === 1) return given[0] as T[];
  return given.flat();
}
