import { createHash } from 'node:crypto';
import type SQLite from 'better-sqlite3';
import type { PostgresPool, PostgresPoolClient, SqliteDatabase, SqliteStatement } from 'kysely';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';

/**
 * Prepared-statement reuse (issue #13): Kysely compiles a query to the same
 * SQL text every time, yet its drivers prepare that text anew on each call
 * (better-sqlite3 `prepare`, PostgreSQL Parse). These wrappers sit between
 * Kysely's dialects and the drivers and keep a bounded number of prepared
 * statements, keyed by SQL text.
 */

/** Distinct SQL texts kept prepared per SQLite database and per PostgreSQL connection. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * The `database` for Kysely's SqliteDialect: `prepare(sql)` answers a cached
 * better-sqlite3 Statement (least recently used ones are dropped beyond `max`).
 *
 * Reuse is safe because of how Kysely's SqliteDriver uses a statement: for
 * `executeQuery` it calls `reader` then `all` or `run`, which are synchronous
 * and leave the statement idle; only `streamQuery` keeps one busy (`iterate`)
 * across awaits. A busy statement cannot run again until its iteration ends,
 * so a cached statement that is busy is never handed out: that caller gets a
 * fresh one, prepared just for it.
 */
export function cachingSqlite(db: SQLite.Database, max = STATEMENT_CACHE_SIZE): SqliteDatabase & { readonly cached: number } {
  const cache = new LRUCache<string, SQLite.Statement>({ max });
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit && !hit.busy) return hit;
      const stmt = db.prepare(sql);
      // A busy hit stays cached (it will be idle again); the fresh one serves this call only.
      if (!hit) cache.set(sql, stmt);
      return stmt;
    },
    get cached() {
      return cache.size;
    },
  };
}

/** A statement name for a SQL text: stable across connections and replicas, so each parses it once. */
const names = new LRUCache<string, string>({ max: 2_000 });
export function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `ote_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * The `pool` for Kysely's PostgresDialect: every parameterized query runs as a
 * named prepared statement (pg parses it once per connection, then only binds
 * and executes it). Queries without parameters stay on the simple protocol,
 * so `begin`/`commit` cost one round trip and multi-statement migrations work.
 *
 * Bounded: pg never forgets a parsed name, so a connection that has prepared
 * `max` distinct statements runs further new ones unnamed and is closed when
 * it is released (the pool opens a fresh one); its statements go with it.
 */
export function preparingPool(pool: pg.Pool, max = STATEMENT_CACHE_SIZE): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    const prepared = new Set<string>();
    let full = false;
    const query = (sql: unknown, parameters?: ReadonlyArray<unknown>) => {
      // A cursor (streaming), or a query without parameters: as it comes.
      if (typeof sql !== 'string' || !parameters || parameters.length === 0) {
        return (client.query as (a: unknown, b?: unknown) => unknown)(sql, parameters && [...parameters]);
      }
      const name = statementName(sql);
      if (!prepared.has(name)) {
        if (prepared.size >= max) {
          full = true;
          return client.query(sql, [...parameters]);
        }
        prepared.add(name);
      }
      return client.query({ name, text: sql, values: [...parameters] });
    };
    return {
      query: query as PostgresPoolClient['query'],
      release: (destroy?: boolean) => {
        if (full || destroy) wrappers.delete(client);
        client.release(destroy || full);
      },
    };
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)));
      return wrapper;
    },
    end: () => pool.end(),
  };
}
