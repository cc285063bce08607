import type { Role } from '../access/roles.js';

/** One registered route as the auth hook sees it: what the authorization table test checks. */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly allow: readonly Role[] | null;
  readonly public: boolean;
}

// Keyed by the root Fastify instance: several hubs may live in one test process.
const tables = new WeakMap<object, RouteEntry[]>();

/** Called by the onRoute hook (server/hooks.ts) for every route as it registers. */
export function recordRoute(app: object, entry: RouteEntry): void {
  let t = tables.get(app);
  if (!t) tables.set(app, (t = []));
  t.push(entry);
}

/** Every route the hub registered, in registration order (HEAD twins of GET routes included). */
export function routeTable(app: object): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}
