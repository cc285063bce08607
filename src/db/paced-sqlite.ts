import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { stretchPacer } from '../lib/slices.js';

/**
 * Kysely's SQLite dialect with queries that give way to the event loop.
 *
 * better-sqlite3 runs every query synchronously and Kysely hands back its
 * result as a settled promise, so a chain of queries (the chunks of a
 * fleet-wide UPDATE, the reads of a desired-state recompute, a batch of
 * heartbeats) never lets the event loop turn: on a fleet of 5,000 clusters
 * such chains held it for 100-400 ms (issue #13). Here each query is a step
 * of a `stretchPacer`: once the queries (and whatever runs between them)
 * have held the loop for `budgetMs`, the next query waits for the next turn,
 * after the pending I/O. Short requests never wait; long chains run in slices.
 *
 * Inside a transaction the connection stays held while it waits (SQLite has
 * one): other queries queue behind it as they would behind a longer query.
 * PostgreSQL needs none of this: its queries are I/O.
 */
export class PacedSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly budgetMs = 15,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new PacedSqliteDriver(this.config, stretchPacer(this.budgetMs));
  }
}

class PacedSqliteDriver extends SqliteDriver {
  private readonly paced = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    config: SqliteDialectConfig,
    private readonly pace: () => Promise<void> | undefined,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    let wrapper = this.paced.get(connection);
    if (!wrapper) this.paced.set(connection, (wrapper = pacedConnection(connection, this.pace)));
    return wrapper;
  }
}

function pacedConnection(inner: DatabaseConnection, pace: () => Promise<void> | undefined): DatabaseConnection {
  return {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const wait = pace();
      if (wait) await wait;
      return inner.executeQuery<R>(query);
    },
    async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
      const wait = pace();
      if (wait) await wait;
      yield* inner.streamQuery<R>(query, chunkSize);
    },
  };
}
