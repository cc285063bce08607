import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../index.js';

/**
 * Issue 11: anonymous failures are aggregated into one audit row per address,
 * minute and route (`count`), and old rows are pruned by `create_time`; login
 * throttling state lives in the database, shared by every replica.
 */
export function m007Hardening(_dialect: DialectName): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration runs against the schema as it was, not today's types
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('audit_log')
        .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.createIndex('audit_log_time').on('audit_log').column('create_time').execute();
      // One row per throttled key: a pair, a name or an address (auth/throttle.ts).
      await db.schema
        .createTable('login_throttle')
        .addColumn('throttle_key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        // Milliseconds.
        .addColumn('until', 'bigint', (c) => c.notNull())
        // JSON array of the newest failures' times (ms): a sliding window of a few dozen.
        .addColumn('times', 'text', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
