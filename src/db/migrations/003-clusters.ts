import { type Kysely, type Migration, sql } from 'kysely';
import { cText, withId } from '../columns.js';
import type { DialectName } from '../index.js';

/**
 * Edge clusters (API.md §5), their labels, the nodes their agents report
 * (§6), the node labels OTE manages, and the desired-state bookkeeping of
 * each cluster (generation, hash, acknowledged generation).
 */
export function m003Clusters(dialect: DialectName): Migration {
  const double = dialect === 'postgres' ? sql`double precision` : sql`real`;
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema of its time, not today's Database type
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('clusters'), dialect)
        .addColumn('name', cText(dialect), (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull().unique())
        // sha256 of the 256-bit join token: a fast hash is right for a random secret.
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
        // The agent connection that holds the cluster now (null: none); readiness reads it.
        .addColumn('session_id', 'text')
        .addColumn('agent_version', 'text')
        .addColumn('last_heartbeat', 'bigint')
        // Hash of the last node inventory written, so an unchanged report writes nothing.
        .addColumn('inventory_hash', 'text')
        .addColumn('generation', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('desired_hash', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('acked_generation', 'bigint')
        .addColumn('ack_error', 'text')
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('cluster_labels')
        .addColumn('cluster_id', 'integer', (c) => c.notNull().references('clusters.id').onDelete('cascade'))
        .addColumn('label', cText(dialect), (c) => c.notNull())
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('cluster_labels_pk', ['cluster_id', 'label'])
        .execute();
      await db.schema.createIndex('cluster_labels_label').on('cluster_labels').column('label').execute();

      await withId(db.schema.createTable('nodes'), dialect)
        .addColumn('cluster_id', 'integer', (c) => c.notNull().references('clusters.id').onDelete('cascade'))
        .addColumn('name', cText(dialect), (c) => c.notNull())
        .addColumn('os_image', 'text', (c) => c.notNull())
        .addColumn('kernel_version', 'text', (c) => c.notNull())
        .addColumn('internal_ip', 'text', (c) => c.notNull())
        .addColumn('cpu', double, (c) => c.notNull())
        .addColumn('memory', 'bigint', (c) => c.notNull())
        .addColumn('disk', 'bigint', (c) => c.notNull())
        .addColumn('gpu_count', 'integer', (c) => c.notNull())
        .addColumn('gpu_memory_mib', double)
        .addColumn('ready', 'integer', (c) => c.notNull())
        // The Kubernetes labels as reported (JSON), for the record.
        .addColumn('k8s_labels', 'text', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('nodes_cluster_name', ['cluster_id', 'name'])
        .execute();

      // Desired node labels, keyed by node name so a node that leaves and
      // rejoins (a reboot, a re-install) gets its labels back.
      await db.schema
        .createTable('node_labels')
        .addColumn('cluster_id', 'integer', (c) => c.notNull().references('clusters.id').onDelete('cascade'))
        .addColumn('node_name', cText(dialect), (c) => c.notNull())
        .addColumn('label', cText(dialect), (c) => c.notNull())
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('node_labels_pk', ['cluster_id', 'node_name', 'label'])
        .execute();
      await db.schema.createIndex('node_labels_label').on('node_labels').column('label').execute();
    },
  };
}
