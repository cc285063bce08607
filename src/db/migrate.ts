import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { m001Initial } from './migrations/001-initial.js';
import { m003Clusters } from './migrations/003-clusters.js';
import { m004Registry } from './migrations/004-registry.js';
import { m005Apps } from './migrations/005-apps.js';
import { m006Delivery } from './migrations/006-delivery.js';
import { m007Hardening } from './migrations/007-hardening.js';
import { m008AlertSeverity } from './migrations/008-alert-severity.js';
import type { DialectName } from './index.js';

/** Versioned migrations, in order; a migration never changes once released. */
function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    '001-initial': m001Initial(dialect),
    '003-clusters': m003Clusters(dialect),
    '004-registry': m004Registry(dialect),
    '005-apps': m005Apps(dialect),
    '006-delivery': m006Delivery(dialect),
    '007-hardening': m007Hardening(dialect),
    '008-alert-severity': m008AlertSeverity(dialect),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's Migrator runs on any schema (migrations take Kysely<any>)
export async function migrateToLatest(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const what = failed ? ` (migration ${failed.migrationName})` : '';
    throw new Error(`database migration failed${what}: ${error instanceof Error ? error.message : JSON.stringify(error)}`, {
      cause: error,
    });
  }
}
