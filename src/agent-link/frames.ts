import type { DesiredState } from './protocol.js';
import { jsonOf, keyed, secretFacts, workloadFacts } from './state-hash.js';

/**
 * The hub's desired-state frames, written from the objects' cached JSON
 * (state-hash.ts `jsonOf`): a fan-out serializes each object once, however
 * many clusters receive it.
 */

const listJson = new WeakMap<readonly string[], string>();
/** Namespace lists are one array for every cluster: written once. */
function namespacesJson(ns: readonly string[]): string {
  let j = listJson.get(ns);
  if (j === undefined) listJson.set(ns, (j = JSON.stringify(ns)));
  return j;
}

/** `JSON.stringify(state)` of a built (canonical) state, byte for byte, from cached parts. */
export function stateJson(s: DesiredState): string {
  return (
    `{"namespaces":${namespacesJson(s.namespaces)},"nodeLabels":${JSON.stringify(s.nodeLabels)},` +
    `"pullSecrets":[${s.pullSecrets.map(jsonOf).join(',')}],"workloads":[${s.workloads.map(jsonOf).join(',')}],"paused":${s.paused}}`
  );
}

/** A full `desired` frame; with the hash for agents that take deltas (the base of the next one). */
export function fullFrame(generation: number, stateText: string, hash: string | null): string {
  return `{"type":"desired","generation":${generation},"state":${stateText}${hash === null ? '' : `,"hash":"${hash}"`}}`;
}

/** What changed between two lists of keyed objects: the ones put (new or different), the keys removed. */
function changes<T extends object>(
  before: readonly T[],
  after: readonly T[],
  factsOf: (o: T) => { key: string; hash: string },
): { put: T[]; remove: string[] } | null {
  if (before === after) return null;
  const was = keyed(before, factsOf);
  const now = keyed(after, factsOf);
  const put: T[] = [];
  const remove: string[] = [];
  for (const [key, o] of now) {
    const old = was.get(key);
    if (old !== o && (old === undefined || factsOf(old).hash !== factsOf(o).hash)) put.push(o);
  }
  for (const key of was.keys()) if (!now.has(key)) remove.push(key);
  return put.length === 0 && remove.length === 0 ? null : { put, remove };
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/**
 * A `delta` frame from the state last sent (generation `base`) to `next`:
 * namespaces, node labels and paused when they differ, objects put and
 * removed by key, and the new state's hash. Type and generation come first.
 */
export function deltaFrame(generation: number, base: number, before: DesiredState, next: DesiredState, hash: string): string {
  let text = `{"type":"delta","generation":${generation},"baseGeneration":${base},"hash":"${hash}"`;
  if (!sameList(before.namespaces, next.namespaces)) text += `,"namespaces":${namespacesJson(next.namespaces)}`;
  const labels = JSON.stringify(next.nodeLabels);
  if (JSON.stringify(before.nodeLabels) !== labels) text += `,"nodeLabels":${labels}`;
  if (before.paused !== next.paused) text += `,"paused":${next.paused}`;
  const secrets = changes(before.pullSecrets, next.pullSecrets, secretFacts);
  if (secrets) text += `,"pullSecrets":{"put":[${secrets.put.map(jsonOf).join(',')}],"remove":${JSON.stringify(secrets.remove)}}`;
  const workloads = changes(before.workloads, next.workloads, workloadFacts);
  if (workloads)
    text += `,"workloads":{"put":[${workloads.put.map(jsonOf).join(',')}],"remove":${JSON.stringify(workloads.remove)}}`;
  return `${text}}`;
}
