import { byteOrder } from './state-hash.js';

/** How contributed parts add up to one desired state, and the one order equal states are written in. */

/** Node labels of every contributor, united per node (labels in first-seen order). */
export function unite(records: readonly (Readonly<Record<string, readonly string[]>> | undefined)[]): Record<string, string[]> {
  const given = records.filter((r): r is Readonly<Record<string, readonly string[]>> => !!r);
  const out: Record<string, string[]> = {};
  for (const r of given) {
    for (const [node, labels] of Object.entries(r)) out[node] = [...new Set([...(out[node] ?? []), ...labels])];
  }
  return out;
}

/** Nodes and their labels in byte order. */
export function canonicalNodeLabels(r: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const node of Object.keys(r).sort(byteOrder)) out[node] = [...r[node]].sort(byteOrder);
  return out;
}

/**
 * Sums lists into one sorted list. Most lists are the same for every cluster
 * (one array handed to all): the sum of one such list is sorted once per
 * recompute, and every cluster gets the same array.
 */
export function sharedSorted<T>(order: (a: T, b: T) => number, unique: (a: T[]) => T[] = (a) => a) {
  const done = new WeakMap<readonly T[], T[]>();
  const make = (lists: readonly T[][]) => unique(lists.flat()).sort(order);
  return (lists: readonly (readonly T[] | undefined)[]): T[] => {
    const given = lists.filter((l): l is readonly T[] => !!l);
    if (given.length !== 1) return make(given as T[][]);
    let r = done.get(given[0]);
    if (!r) done.set(given[0], (r = make(given as T[][])));
    return r;
  };
}
