import type { Kysely, Migration } from 'kysely';
import { cText, withId } from '../columns.js';
import type { DialectName } from '../index.js';

/**
 * Application Management (API.md §8): applications, their audited revisions
 * (the spec as JSON text), one status row per (application, cluster), and the
 * alerts Alertmanager posts (API.md §9).
 */
export function m005Apps(dialect: DialectName): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema of its time, not today's Database type
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('applications'), dialect)
        .addColumn('business_id', 'integer', (c) => c.notNull().references('businesses.id'))
        .addColumn('app_name', cText(dialect), (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('latest_revision', 'integer', (c) => c.notNull())
        // The approved revision that runs; null until one is approved.
        .addColumn('running_revision', 'integer')
        // Effective replicas: scaling changes them without a new revision.
        .addColumn('replicas', 'integer', (c) => c.notNull())
        // Denormalized from the running (else latest) revision for filtering.
        .addColumn('cluster_label', 'text', (c) => c.notNull())
        // A batched rollout: its current batch, when that batch started (null: no rollout in
        // progress, every target cluster runs running_revision) and whether it stopped on a failure.
        .addColumn('rollout_batch', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rollout_batch_start', 'bigint')
        .addColumn('rollout_stopped', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('applications_name_per_business', ['business_id', 'name_key'])
        .execute();

      await withId(db.schema.createTable('app_revisions'), dialect)
        .addColumn('app_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        // 0 pending, 1 approved, 2 rejected (the audit body's 1|2).
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('creator_id', 'integer')
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('app_revisions_number', ['app_id', 'revision'])
        .execute();

      // One row per cluster the application targets or was removed from; no FK to
      // clusters: rows of a deleted cluster are simply never joined again.
      await db.schema
        .createTable('app_clusters')
        .addColumn('app_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('cluster_id', 'integer', (c) => c.notNull())
        // The revision this cluster is meant to run (batched rollouts advance it batch by batch).
        .addColumn('revision', 'integer')
        .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('observed_generation', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('desired_replicas', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_replicas', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ready_replicas', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('available_replicas', 'integer', (c) => c.notNull().defaultTo(0))
        // The rollout batch that gave it that revision, and when (the progress deadline counts from here).
        .addColumn('batch', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('assigned_time', 'bigint', (c) => c.notNull())
        // The last workload status the agent reported (reported = 0: none yet); the revision
        // is read off the object's label, so a report of the old object never counts for the new one.
        .addColumn('reported', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reported_revision', 'integer')
        // deleteDeploy removed it from this cluster (1) until a new revision of it runs.
        .addColumn('removed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_clusters_pk', ['app_id', 'cluster_id'])
        .execute();
      await db.schema.createIndex('app_clusters_cluster').on('app_clusters').column('cluster_id').execute();

      // Firing alerts Alertmanager posted (API.md §9 `POST /v1/alert/callback`); a resolved one is deleted.
      await withId(db.schema.createTable('external_alerts'), dialect)
        .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
        .addColumn('name', cText(dialect), (c) => c.notNull())
        .addColumn('cluster_name', 'text')
        // From a `namespace: ns<id>` label: only that business (and the system administrator) sees it.
        .addColumn('business_id', 'integer')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'bigint', (c) => c.notNull())
        // Alertmanager's endsAt when it is a real time: the alert is over then even without a "resolved".
        .addColumn('ends_at', 'bigint')
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
