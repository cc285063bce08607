import { createHash } from 'node:crypto';
import { loadDesiredNamespaces } from '../businesses/desired.js';
import type { Db } from '../db/types.js';
import { chunks } from '../lib/chunks.js';

// Other domains' builders (Application Management) chunk their id lists with these too.
export { CHUNK, chunks } from '../lib/chunks.js';
import type { DesiredState } from './protocol.js';

/** The facts about a cluster a contributor may place things by. */
export interface ClusterFacts {
  readonly id: number;
  readonly name: string;
  readonly paused: boolean;
  /** Cluster labels, byte order. */
  readonly labels: readonly string[];
}

/**
 * A domain that adds to clusters' desired state (the registry's pull secrets,
 * Application Management's workloads). Called once per recompute with every
 * affected cluster, so shared parts are computed once, not per cluster.
 * Return nothing for a cluster that gets nothing.
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
 * Each cluster's desired state as a pure function of the database: the
 * namespaces of approved businesses (shared, read once), the node labels OTE
 * manages, what contributors add, and the paused flag. Unknown ids are skipped.
 */
export async function buildDesired(
  db: Db,
  clusterIds: readonly number[],
  contributors: readonly DesiredStateContributor[],
): Promise<Map<number, BuiltState>> {
  const out = new Map<number, BuiltState>();
  if (clusterIds.length === 0) return out;
  const facts: ClusterFacts[] = [];
  const nodeLabels = new Map<number, Record<string, string[]>>();
  for (const ids of chunks(clusterIds)) {
    const rows = await db.selectFrom('clusters').select(['id', 'name', 'paused']).where('id', 'in', ids).execute();
    const labels = await db
      .selectFrom('cluster_labels')
      .select(['cluster_id', 'label'])
      .where('cluster_id', 'in', ids)
      .orderBy('label')
      .execute();
    const byCluster = groupBy(labels, (l) => l.cluster_id);
    for (const r of rows) {
      facts.push({ id: r.id, name: r.name, paused: r.paused === 1, labels: (byCluster.get(r.id) ?? []).map((l) => l.label) });
    }
    const nl = await db
      .selectFrom('node_labels')
      .select(['cluster_id', 'node_name', 'label'])
      .where('cluster_id', 'in', ids)
      .orderBy('node_name')
      .orderBy('label')
      .execute();
    for (const r of nl) {
      const perNode = nodeLabels.get(r.cluster_id) ?? {};
      (perNode[r.node_name] ??= []).push(r.label);
      nodeLabels.set(r.cluster_id, perNode);
    }
  }
  const namespaces = await loadDesiredNamespaces(db);
  const contributed = await Promise.all(contributors.map((c) => c.contribute(db, facts)));
  // Most clusters of a fleet differ only in small parts (their node labels,
  // what contributors give them, the paused flag), often not at all: key each
  // cluster by those parts and build, canonicalize and hash each distinct
  // combination once.
  const sharedKey = stableJson(namespaces);
  const memo = new Map<string, { state: DesiredState; hash: string }>();
  for (const f of facts) {
    const own = {
      nodeLabels: nodeLabels.get(f.id) ?? {},
      parts: contributed.map((parts) => orderPart(parts.get(f.id))),
      paused: f.paused,
    };
    const ownKey = stableJson(own);
    let built = memo.get(ownKey);
    if (!built) {
      let state: DesiredState = { namespaces, nodeLabels: own.nodeLabels, pullSecrets: [], workloads: [], paused: f.paused };
      for (const part of own.parts) if (part) state = merge(state, part);
      const canonical = canonicalize(state);
      // The hash of the inputs that fully determine the state: equal inputs, equal hash.
      built = { state: canonical, hash: createHash('sha256').update(sharedKey).update('\n').update(ownKey).digest('hex') };
      memo.set(ownKey, built);
    }
    out.set(f.id, { facts: f, state: built.state, hash: built.hash });
  }
  return out;
}

/** Lists are concatenated, node labels united; `paused` stays the cluster's own. */
function merge(a: DesiredState, b: Partial<DesiredState>): DesiredState {
  const nodeLabels: Record<string, string[]> = { ...a.nodeLabels };
  for (const [node, labels] of Object.entries(b.nodeLabels ?? {})) {
    nodeLabels[node] = [...new Set([...(nodeLabels[node] ?? []), ...labels])];
  }
  return {
    namespaces: b.namespaces ? [...new Set([...a.namespaces, ...b.namespaces])] : a.namespaces,
    nodeLabels,
    pullSecrets: b.pullSecrets ? [...a.pullSecrets, ...b.pullSecrets] : a.pullSecrets,
    workloads: b.workloads ? [...a.workloads, ...b.workloads] : a.workloads,
    paused: a.paused,
  };
}

/** One order for everything, so equal states hash equally whatever order rows came in. */
function canonicalize(s: DesiredState): DesiredState {
  const nodeLabels: Record<string, string[]> = {};
  for (const node of Object.keys(s.nodeLabels).sort()) nodeLabels[node] = [...s.nodeLabels[node]].sort();
  return {
    namespaces: [...s.namespaces].sort(),
    nodeLabels,
    pullSecrets: [...s.pullSecrets].sort((x, y) => cmp(`${x.namespace}/${x.name}`, `${y.namespace}/${y.name}`)),
    workloads: s.workloads,
    paused: s.paused,
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A contributed part with its sets in one order, so equal parts key equally whatever order rows came in. */
function orderPart(p: Partial<DesiredState> | undefined): Partial<DesiredState> | null {
  if (!p) return null;
  return {
    ...p,
    ...(p.namespaces ? { namespaces: [...p.namespaces].sort() } : {}),
    ...(p.pullSecrets
      ? { pullSecrets: [...p.pullSecrets].sort((x, y) => cmp(`${x.namespace}/${x.name}`, `${y.namespace}/${y.name}`)) }
      : {}),
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

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const i of items) {
    const list = m.get(key(i));
    if (list) list.push(i);
    else m.set(key(i), [i]);
  }
  return m;
}
