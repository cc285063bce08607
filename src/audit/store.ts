import type { Insertable } from 'kysely';
import type { AuditLogTable, Db } from '../db/types.js';
import { type Paging, applyPage } from '../http/paging.js';

/** The `audit_log` table: platform-wide (only the system administrator reads it), so no scope. */

export async function insertAuditEntry(db: Db, row: Insertable<AuditLogTable>): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
}

export async function listAuditEntries(db: Db, filter: { userId?: number; action?: string }, paging: Paging) {
  let base = db.selectFrom('audit_log');
  if (filter.userId !== undefined) base = base.where('user_id', '=', filter.userId);
  if (filter.action !== undefined) base = base.where('action', '=', filter.action);
  const { total } = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  const rows = await applyPage(base.selectAll().orderBy('id', paging.order), paging).execute();
  return { rows, total: Number(total) };
}
