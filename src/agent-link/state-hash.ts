import { createHash } from 'node:crypto';
import type { DesiredState, PullSecret } from './protocol.js';

/**
 * The desired-state hash, shared by the hub (which stores it as the cluster's
 * `desired_hash` and sends it with every delta) and the agent (which checks a
 * state it assembled from deltas against it). It combines per-object hashes,
 * so a hub that caches them pays for the objects that changed, not for the
 * whole state:
 *
 *   sha256 of the lines
 *     ote.desired.v2
 *     namespaces <sha256 of the sorted, unique namespaces as JSON>
 *     nodeLabels <sha256 of the node labels, nodes and labels sorted, as JSON>
 *     paused <0|1>
 *     secret <namespace/name> <sha256 of the secret's canonical JSON>      (by key, byte order)
 *     object <apiVersion/kind/namespace/name> <sha256 of its canonical JSON> (by key, byte order)
 *
 * joined with "\n". Canonical JSON sorts object keys (`stableJson`). Objects
 * and secrets are identified by their key: when two share one, the later in
 * the list wins (as applying them in order would), on both sides.
 */
export const STATE_HASH_VERSION = 'ote.desired.v2';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** JSON with sorted object keys: the canonical text hashes are taken of. */
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

type Obj = Readonly<Record<string, unknown>>;

/** A workload's identity: `apiVersion/kind/namespace/name` (kinds, namespaces and names hold no "/"). */
export function workloadKey(o: Obj): string {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  return `${String(o.apiVersion)}/${String(o.kind)}/${String(meta.namespace)}/${String(meta.name)}`;
}

/** A pull secret's identity: `namespace/name`. */
export const secretKey = (s: PullSecret): string => `${s.namespace}/${s.name}`;

/**
 * What is known of one object, computed once per object (by identity: the
 * hub's rendered objects and the agent's received ones are never mutated).
 */
interface ItemFacts {
  readonly key: string;
  readonly hash: string;
  json?: string;
}
const facts = new WeakMap<object, ItemFacts>();

function factsOf(o: object, keyOf: (o: never) => string): ItemFacts {
  let f = facts.get(o);
  if (!f) {
    f = { key: keyOf(o as never), hash: sha256(stableJson(o)) };
    facts.set(o, f);
  }
  return f;
}

export const workloadFacts = (o: Obj): ItemFacts => factsOf(o, workloadKey);
export const secretFacts = (s: PullSecret): ItemFacts => factsOf(s, secretKey);

/** `JSON.stringify(o)`, made once per object: a fan-out sends the same objects to many clusters. */
export function jsonOf(o: object): string {
  const f = facts.get(o);
  if (f) return (f.json ??= JSON.stringify(o));
  return JSON.stringify(o);
}

/** The items by key, the later winning, keys in byte order. */
export function keyed<T extends object>(items: readonly T[], factsFn: (o: T) => ItemFacts): Map<string, T> {
  const byKey = new Map<string, T>();
  for (const o of items) byKey.set(factsFn(o).key, o);
  return byKey;
}

const listHashes = new WeakMap<readonly string[], string>();
/** The hash of a namespace list (sorted, unique), once per list. */
function namespacesHash(namespaces: readonly string[]): string {
  let h = listHashes.get(namespaces);
  if (!h) {
    h = sha256(JSON.stringify([...new Set(namespaces)].sort(byteOrder)));
    listHashes.set(namespaces, h);
  }
  return h;
}

function nodeLabelsHash(nodeLabels: Readonly<Record<string, readonly string[]>>): string {
  const nodes = Object.keys(nodeLabels).sort(byteOrder);
  return sha256(JSON.stringify(nodes.map((n) => [n, [...new Set(nodeLabels[n])].sort(byteOrder)])));
}

export const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function itemLines(prefix: string, items: readonly object[], factsFn: (o: never) => ItemFacts): string[] {
  const byKey = new Map<string, string>();
  for (const o of items) {
    const f = factsFn(o as never);
    byKey.set(f.key, f.hash);
  }
  return [...byKey.keys()].sort(byteOrder).map((k) => `${prefix} ${k} ${byKey.get(k)}`);
}

const objectText = new WeakMap<readonly object[], Buffer>();
/**
 * The `object` lines of a workload list, as the bytes hashed. A frozen list
 * (the hub hands one frozen array to every cluster that runs the same
 * applications) is written once; a list that may still change is written
 * every time.
 */
function objectLines(workloads: readonly object[]): Buffer | string {
  const cached = objectText.get(workloads);
  if (cached) return cached;
  const text = itemLines('object', workloads, workloadFacts).join('\n');
  if (!Object.isFrozen(workloads)) return text;
  const bytes = Buffer.from(text);
  objectText.set(workloads, bytes);
  return bytes;
}

/** The hash of a whole desired state (see the top of this file). */
export function stateHash(s: DesiredState): string {
  const lines = [
    STATE_HASH_VERSION,
    `namespaces ${namespacesHash(s.namespaces)}`,
    `nodeLabels ${nodeLabelsHash(s.nodeLabels)}`,
    `paused ${s.paused ? 1 : 0}`,
    ...itemLines('secret', s.pullSecrets, secretFacts),
  ];
  const h = createHash('sha256').update(lines.join('\n'));
  // The same bytes as one joined text: the object lines follow the others after a "\n".
  if (s.workloads.length > 0) h.update('\n').update(objectLines(s.workloads));
  return h.digest('hex');
}
