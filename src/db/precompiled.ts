import type { Compilable, CompiledQuery } from 'kysely';
import type { Db } from './types.js';

/** A value a precompiled query takes per call: one bound parameter each. */
export type ParamValue = string | number;

interface Entry {
  readonly query: CompiledQuery;
  /** Where each value goes among the query's parameters. */
  readonly at: readonly number[];
}

const cache = new WeakMap<Db, Map<string, Entry>>();

/**
 * Runs a query that is built and compiled once per database and `shape`, then
 * only filled with each call's `values` (issue #13: on the hot list routes,
 * building and compiling the Kysely query cost more than running it).
 *
 * `build` receives stand-ins for the values and must use each of them as one
 * bound parameter, exactly as given (no transformation: compute them before);
 * everything else that changes the SQL text (which filters apply, the order,
 * whether there is a LIMIT) goes into `shape`, and `build` must depend on
 * nothing else. A stand-in that does not come out as exactly one parameter
 * throws on the first call, so a misuse cannot run a query with stale values.
 * The shapes must be few (a key per combination of options, not per value).
 * `within`: a transaction to run in; the compiled query is kept with `db`, so
 * that a new transaction does not compile it again.
 */
export async function runPrecompiled<R>(
  db: Db,
  shape: string,
  values: readonly ParamValue[],
  build: (values: readonly ParamValue[]) => Compilable<R>,
  within: Db = db,
): Promise<R[]> {
  let shapes = cache.get(db);
  if (!shapes) cache.set(db, (shapes = new Map<string, Entry>()));
  let entry = shapes.get(shape);
  if (!entry) {
    // Stand-ins no real call passes: strings with a NUL (refused in every input), numbers
    // far out of any id's, page's or time's range; each distinct, so each is found once.
    const markers = values.map((v, i) => (typeof v === 'string' ? `\u0000ote-precompiled-${i}` : -(2 ** 40) - i));
    const query = build(markers).compile();
    const at = markers.map((m) => {
      const first = query.parameters.indexOf(m);
      if (first < 0 || query.parameters.indexOf(m, first + 1) >= 0) {
        throw new Error(`precompiled query "${shape}": value ${markers.indexOf(m)} is not exactly one parameter`);
      }
      return first;
    });
    entry = { query, at };
    shapes.set(shape, entry);
  } else if (entry.at.length !== values.length) {
    throw new Error(`precompiled query "${shape}": ${values.length} values for ${entry.at.length} parameters`);
  }
  const parameters = [...entry.query.parameters];
  for (let i = 0; i < values.length; i++) parameters[entry.at[i]] = values[i];
  const { rows } = await within.executeQuery<R>({ ...entry.query, parameters });
  return rows;
}
