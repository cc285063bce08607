import type { DesiredState } from './protocol.js';

/** How contributed parts add up to one desired state, and the one order equal states are written in. */

const EMPTY: DesiredState = { namespaces: [], nodeLabels: {}, pullSecrets: [], workloads: [], paused: false };

/** Node labels of every contributor, united per node. */
export function unite(records: readonly (Record<string, string[]> | undefined)[]): Record<string, string[]> {
  let out: Record<string, string[]> = {};
  for (const r of records) if (r) out = merge({ ...EMPTY, nodeLabels: out }, { nodeLabels: r }).nodeLabels;
  return out;
}

/** Lists are concatenated, node labels united; `paused` stays the cluster's own. */
export function merge(a: DesiredState, b: Partial<DesiredState>): DesiredState {
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
export function canonicalize(s: DesiredState): DesiredState {
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
export function orderPart(p: Partial<DesiredState> | undefined): Partial<DesiredState> | null {
  if (!p) return null;
  return {
    ...p,
    ...(p.namespaces ? { namespaces: [...p.namespaces].sort() } : {}),
    ...(p.pullSecrets
      ? { pullSecrets: [...p.pullSecrets].sort((x, y) => cmp(`${x.namespace}/${x.name}`, `${y.namespace}/${y.name}`)) }
      : {}),
  };
}
