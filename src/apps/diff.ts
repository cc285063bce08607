/**
 * A structured diff of two clusters' object lists (API.md §8.1 preview):
 * `[{kind, name, path, from, to}]`, `path` a JSON pointer (RFC 6901) into the
 * object, "" for a whole object added or removed. Lists of named items
 * (containers, env, ports, volumes) are matched by name, so adding one
 * variable reads as one addition, not a shift of every later one; the pointer
 * indexes the new object (the old one for a removal). Pure.
 */
export interface DiffEntry {
  readonly kind: string;
  readonly name: string;
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const meta = (o: Obj): Obj => (isObj(o.metadata) ? o.metadata : {});
const nameOf = (o: Obj): string => str(meta(o).name);
const keyOf = (o: Obj): string => `${str(o.kind)}\u0000${str(meta(o).namespace)}\u0000${nameOf(o)}`;
const escape = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

export function diffObjects(from: readonly Obj[], to: readonly Obj[]): DiffEntry[] {
  const out: DiffEntry[] = [];
  const before = new Map(from.map((o) => [keyOf(o), o]));
  const after = new Set(to.map(keyOf));
  for (const b of to) {
    const kind = str(b.kind);
    const name = nameOf(b);
    const a = before.get(keyOf(b));
    if (!a) out.push({ kind, name, path: '', from: null, to: b });
    else walk(a, b, '', (path, f, t) => out.push({ kind, name, path, from: f, to: t }));
  }
  for (const a of from) {
    if (after.has(keyOf(a))) continue;
    out.push({ kind: str(a.kind), name: nameOf(a), path: '', from: a, to: null });
  }
  return out;
}

type Emit = (path: string, from: unknown, to: unknown) => void;

function walk(a: unknown, b: unknown, path: string, emit: Emit): void {
  if (same(a, b)) return;
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], `${path}/${escape(k)}`, emit);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (named(a) && named(b)) {
      const old = new Map(a.map((x, i) => [(x as Obj).name as string, i]));
      const kept = new Set<string>();
      b.forEach((x, j) => {
        const n = (x as Obj).name as string;
        const i = old.get(n);
        if (i === undefined) emit(`${path}/${j}`, null, x);
        else {
          kept.add(n);
          walk(a[i], x, `${path}/${j}`, emit);
        }
      });
      a.forEach((x, i) => {
        if (!kept.has((x as Obj).name as string)) emit(`${path}/${i}`, x, null);
      });
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}/${i}`, emit);
    return;
  }
  emit(path, a === undefined ? null : a, b === undefined ? null : b);
}

/** Every item an object with a distinct string `name`. */
function named(list: readonly unknown[]): boolean {
  const names = new Set<string>();
  for (const x of list) {
    if (!isObj(x) || typeof x.name !== 'string' || names.has(x.name)) return false;
    names.add(x.name);
  }
  return list.length > 0;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => same(a[k], b[k]));
  }
  return false;
}
