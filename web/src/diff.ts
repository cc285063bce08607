/** One changed leaf between two JSON values: `path` is a JSON pointer ("/" for the value as a whole). */
export interface Change {
  path: string;
  from: unknown;
  to: unknown;
}

const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object';

/** Every leaf of `v` by JSON pointer; an empty object or array is a leaf of its own. The root's pointer is "". */
function flatten(v: unknown, path: string, out: Map<string, unknown>) {
  if (isContainer(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      flatten(x, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    }
  } else {
    out.set(path, v);
  }
}

/** Whether `path` is an empty object or array on one side that the other side fills: no change of its own. */
function filled(empty: Map<string, unknown>, other: Map<string, unknown>, path: string): boolean {
  if (!isContainer(empty.get(path)) || other.has(path)) return false;
  for (const k of other.keys()) if (k.startsWith(`${path}/`)) return true;
  return false;
}

/**
 * What differs between two specs (revisions), leaf by leaf, in path order. `from`/`to` are
 * undefined where that side has no such leaf. An empty object or array that the other side
 * fills (nothing → a new application's spec, `env: {}` → `env: {A: "1"}`) is not listed: the
 * leaves that fill it are.
 */
export function diffSpecs(from: unknown, to: unknown): Change[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(from ?? {}, '', a);
  flatten(to ?? {}, '', b);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)))
    .filter((p) => !filled(a, b, p) && !filled(b, a, p))
    .map((p) => ({ path: p || '/', from: a.get(p), to: b.get(p) }));
}
