/**
 * @peculiar/x509 resolves its parts through tsyringe, which refuses to load
 * without a Reflect metadata API ("tsyringe requires a reflect polyfill").
 * The package `reflect-metadata` is the usual answer but is not a dependency
 * yet; until it is, this installs the subset tsyringe and tslib call
 * (define/get/getOwn/has metadata and the `metadata` decorator factory), and
 * steps aside when a real polyfill is already loaded.
 */
type Key = string | symbol;
type Target = object;

const store = new WeakMap<Target, Map<string | symbol | undefined, Map<Key, unknown>>>();

function table(target: Target, property: Key | undefined, create: boolean): Map<Key, unknown> | undefined {
  let byProperty = store.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let t = byProperty.get(property);
  if (!t && create) {
    t = new Map();
    byProperty.set(property, t);
  }
  return t;
}

const api = {
  defineMetadata(key: Key, value: unknown, target: Target, property?: Key): void {
    table(target, property, true)!.set(key, value);
  },
  getOwnMetadata(key: Key, target: Target, property?: Key): unknown {
    return table(target, property, false)?.get(key);
  },
  getMetadata(key: Key, target: Target, property?: Key): unknown {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t)) {
      const found = table(t, property, false);
      if (found?.has(key)) return found.get(key);
    }
    return undefined;
  },
  hasMetadata(key: Key, target: Target, property?: Key): boolean {
    return api.getMetadata(key, target, property) !== undefined;
  },
  metadata(key: Key, value: unknown) {
    return (target: Target, property?: Key) => api.defineMetadata(key, value, target, property);
  },
};

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  for (const [name, fn] of Object.entries(api)) R[name] = fn;
}
