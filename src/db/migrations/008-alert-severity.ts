import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../index.js';

/**
 * Alerts carry a severity and their labels (issue 12, API.md §9): Alertmanager's
 * `severity` label (else "warning") and its whole label set as JSON text. Rows
 * received before keep the defaults.
 */
export function m008AlertSeverity(_dialect: DialectName): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on the schema of their time, not today's types
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('external_alerts')
        .addColumn('severity', 'text', (c) => c.notNull().defaultTo('warning'))
        .execute();
      await db.schema
        .alterTable('external_alerts')
        .addColumn('labels', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
    },
  };
}
