import { type Kysely, type Migration } from 'kysely';
import { cText, withId } from '../columns.js';
import type { DialectName } from '../index.js';

/**
 * Repository management (API.md §7, §10): projects, the images and tags the
 * registry holds (mirrored for their times), registry accounts and the
 * external registries of each business.
 */
export function m004Registry(dialect: DialectName): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema of its time, not today's Database type
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('projects'), dialect)
        .addColumn('name', cText(dialect), (c) => c.notNull())
        // Unique across businesses: a project name is the first path component in the registry.
        .addColumn('name_key', 'text', (c) => c.notNull().unique())
        .addColumn('business_id', 'integer', (c) => c.notNull().references('businesses.id'))
        .addColumn('public', 'integer', (c) => c.notNull())
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('projects_business').on('projects').column('business_id').execute();

      // One row per registry repository ("project/repo"), created by a push event or a reconcile.
      await withId(db.schema.createTable('images'), dialect)
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', cText(dialect), (c) => c.notNull().unique())
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('images_project').on('images').column('project_id').execute();

      await withId(db.schema.createTable('image_tags'), dialect)
        .addColumn('image_id', 'integer', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('tag', cText(dialect), (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        // Bytes of the manifest, config and layers; null until the hub has read the manifest.
        .addColumn('size', 'bigint')
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('image_tags_image_tag', ['image_id', 'tag'])
        .execute();

      await withId(db.schema.createTable('registry_accounts'), dialect)
        .addColumn('user_id', 'integer', (c) => c.notNull().unique().references('users.id').onDelete('cascade'))
        .addColumn('user_name', cText(dialect), (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable('external_repositories'), dialect)
        .addColumn('business_id', 'integer', (c) => c.notNull().references('businesses.id'))
        .addColumn('repository_id', cText(dialect), (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        // AES-256-GCM: "v1.<iv>.<tag>.<ciphertext>" in base64url; never leaves the hub except as a pull secret.
        .addColumn('password_enc', 'text', (c) => c.notNull())
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('external_repositories_business_repo', ['business_id', 'repository_id'])
        .execute();
    },
  };
}
