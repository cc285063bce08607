import { type Kysely, type Migration, sql } from 'kysely';
import { cText, withId } from '../columns.js';
import type { DialectName } from '../index.js';

/** Users, businesses (tenants), login sessions, the audit log and platform settings. */
export function m001Initial(dialect: DialectName): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema of its time, not today's Database type
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('businesses'), dialect)
        .addColumn('name', cText(dialect), (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('introduce', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('objective', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('scale', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .execute();
      // A name is taken by every business that is not deleted (status 3).
      await db.schema
        .createIndex('businesses_name_live')
        .on('businesses')
        .column('name_key')
        .unique()
        .where(sql.ref('status'), '<>', 3)
        .execute();
      await db.schema.createIndex('businesses_user').on('businesses').column('user_id').execute();

      await withId(db.schema.createTable('users'), dialect)
        .addColumn('user_name', cText(dialect), (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('real_name', 'text', (c) => c.notNull())
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_system', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('business_id', 'integer', (c) => c.references('businesses.id'))
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_business').on('users').column('business_id').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();

      await withId(db.schema.createTable('audit_log'), dialect)
        .addColumn('user_id', 'integer')
        .addColumn('user_name', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('result', 'integer', (c) => c.notNull())
        .addColumn('client_ip', 'text', (c) => c.notNull())
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_user').on('audit_log').column('user_id').execute();
      await db.schema.createIndex('audit_log_action').on('audit_log').column('action').execute();

      await db.schema
        .createTable('settings')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('private_project', 'integer', (c) => c.notNull())
        .addColumn('enable_ingress', 'integer', (c) => c.notNull())
        .addColumn('enable_alert', 'integer', (c) => c.notNull())
        .addColumn('enable_admin_auto_deploy', 'integer', (c) => c.notNull())
        .addColumn('update_time', 'bigint', (c) => c.notNull())
        .execute();
      await db
        .insertInto('settings')
        .values({
          id: 1,
          private_project: 1,
          enable_ingress: 0,
          enable_alert: 1,
          enable_admin_auto_deploy: 0,
          update_time: Math.floor(Date.now() / 1000),
        })
        .execute();
    },
  };
}
