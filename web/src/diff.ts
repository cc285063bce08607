/** One changed leaf between two JSON values: `path` is a JSON pointer. */
export interface Change {
  path: string;
  from: unknown;
  to: unknown;
}

function flatten(v: unknown, path: string, out: Map<string, unknown>) {
  if (v !== null && typeof v === 'object' && !(Array.isArray(v) && v.length === 0) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      flatten(x, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    }
  } else {
    out.set(path || '/', v);
  }
}

/** What differs between two specs (revisions), leaf by leaf, in path order. */
export function diffSpecs(from: unknown, to: unknown): Change[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(from ?? {}, '', a);
  flatten(to ?? {}, '', b);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)))
    .map((p) => ({ path: p, from: a.get(p), to: b.get(p) }));
}
