import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../index.js';

/**
 * Rollouts that heal themselves and understand offline clusters (API.md §8.1):
 * the revision a rollout started from (what `onFailure: rollback` returns
 * to), and per (application, cluster) whether the cluster was offline when
 * its batch started (it gets the revision when it returns). Revision status 3
 * (`failed`) needs no schema change.
 */
export function m006Delivery(_dialect: DialectName): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration runs against the schema as it was, not today's types
    async up(db: Kysely<any>) {
      await db.schema.alterTable('applications').addColumn('rollout_from', 'integer').execute();
      await db.schema
        .alterTable('app_clusters')
        .addColumn('offline', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
