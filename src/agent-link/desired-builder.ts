import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { canonicalize, merge, orderPart, unite } from './desired-merge.js';
import type { DesiredState } from './protocol.js';

// Other domains' builders (Application Management) chunk their id lists with these too.
export { CHUNK, chunks } from '../lib/chunks.js';

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
 */
export interface DesiredStateContributor {
  readonly name: string;
  /**
   * Where the part enters the generation key (see `generationKey`):
   * 'namespaces' (the same for every cluster), 'nodeLabels', or, by default,
   * among the other parts in the order contributors were added.
   */
  readonly keyedAs?: 'namespaces' | 'nodeLabels';
  contribute(db: Db, clusters: readonly ClusterFacts[]): Promise<ReadonlyMap<number, Partial<DesiredState>>>;
}

export interface BuiltState {
  readonly facts: ClusterFacts;
  readonly state: DesiredState;
  readonly hash: string;
}

/**
 * Each cluster's desired state, from its facts and what the contributors give
 * it (a pure function of the database: they read it). Most clusters of a fleet
 * differ only in small parts (their node labels, what contributors give them,
 * the paused flag), often not at all: each distinct combination is built,
 * canonicalized and hashed once.
 */
export async function buildDesired(
  db: Db,
  facts: readonly ClusterFacts[],
  contributors: readonly DesiredStateContributor[],
): Promise<Map<number, BuiltState>> {
  const out = new Map<number, BuiltState>();
  if (facts.length === 0) return out;
  const contributed = await Promise.all(contributors.map(async (c) => ({ c, parts: await c.contribute(db, facts) })));
  const of = (kind: DesiredStateContributor['keyedAs']) =>
    contributed.filter(({ c }) => c.keyedAs === kind).map(({ parts }) => parts);
  const [namespaceParts, nodeLabelParts, otherParts] = [of('namespaces'), of('nodeLabels'), of(undefined)];
  const namespacesOf = sharedNamespaces();
  const memo = new Map<string, { state: DesiredState; hash: string }>();
  for (const f of facts) {
    const { namespaces, sharedKey } = namespacesOf(namespaceParts.map((p) => p.get(f.id)?.namespaces));
    const nodeLabels = unite(nodeLabelParts.map((p) => p.get(f.id)?.nodeLabels));
    const own = { nodeLabels, parts: otherParts.map((p) => orderPart(p.get(f.id))), paused: f.paused };
    const key = generationKey(sharedKey, own);
    let built = memo.get(key);
    if (!built) {
      let state: DesiredState = { namespaces, nodeLabels, pullSecrets: [], workloads: [], paused: f.paused };
      for (const part of own.parts) if (part) state = merge(state, part);
      // The hash of the inputs that fully determine the state: equal inputs, equal hash.
      built = { state: canonicalize(state), hash: createHash('sha256').update(key).digest('hex') };
      memo.set(key, built);
    }
    out.set(f.id, { facts: f, state: built.state, hash: built.hash });
  }
  return out;
}

/**
 * The text a cluster's desired-state hash is taken of: its namespaces
 * (`sharedKey`) on one line, then its own inputs. The layout is frozen:
 * changing it moves every cluster's generation on upgrade
 * (test/integration/desired-compat.test.ts pins it).
 */
function generationKey(
  sharedKey: string,
  own: { nodeLabels: Record<string, string[]>; parts: (Partial<DesiredState> | null)[]; paused: boolean },
): string {
  return `${sharedKey}\n${stableJson(own)}`;
}

/**
 * The namespaces of every contributor, once each, byte order, with their key
 * text. A fleet shares one list (the same array for every cluster): it is
 * sorted and serialized once per recompute, not per cluster.
 */
function sharedNamespaces() {
  const done = new WeakMap<readonly string[], { namespaces: string[]; sharedKey: string }>();
  const make = (lists: readonly (readonly string[] | undefined)[]) => {
    const namespaces = [...new Set(lists.flatMap((l) => l ?? []))].sort();
    return { namespaces, sharedKey: stableJson(namespaces) };
  };
  return (lists: readonly (readonly string[] | undefined)[]) => {
    const only = lists.length === 1 ? lists[0] : undefined;
    if (!only) return make(lists);
    let r = done.get(only);
    if (!r) done.set(only, (r = make(lists)));
    return r;
  };
}

/** JSON with sorted object keys: the canonical text desired-state hashes are taken of. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
