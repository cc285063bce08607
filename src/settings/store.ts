import type { Selectable, Updateable } from 'kysely';
import type { Db, SettingsTable } from '../db/types.js';

/** The `settings` table: one row (id 1), the platform flags every replica reads. */

export function readSettings(db: Db): Promise<Selectable<SettingsTable>> {
  return db.selectFrom('settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
}

export async function writeSettings(db: Db, set: Updateable<SettingsTable>, now: number): Promise<void> {
  await db
    .updateTable('settings')
    .set({ ...set, update_time: now })
    .where('id', '=', 1)
    .execute();
}
