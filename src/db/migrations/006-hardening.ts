import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../index.js';

/**
 * Issue 11: anonymous failures are aggregated into one audit row per address,
 * minute and route (`count`), and old rows are pruned by `create_time`.
 */
export function m006Hardening(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('audit_log').addColumn('count', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.createIndex('audit_log_time').on('audit_log').column('create_time').execute();
    },
  };
}
