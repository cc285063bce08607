import type { Db } from '../db/types.js';
import { applyPage } from '../http/paging.js';
import type { AuditRow, ListAuditQuery } from './schemas.js';

export interface NewAuditRow {
  readonly userId: number | null;
  readonly userName: string | null;
  readonly action: string;
  readonly target: string;
  readonly result: number;
  readonly clientIp: string;
  readonly createTime: number;
}

export async function insert(db: Db, e: NewAuditRow): Promise<number> {
  const row = await db
    .insertInto('audit_log')
    .values({
      user_id: e.userId,
      user_name: e.userName,
      action: e.action,
      target: e.target,
      result: e.result,
      client_ip: e.clientIp,
      create_time: e.createTime,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Adds `n` calls to an aggregated row. */
export async function addCount(db: Db, id: number, n: number): Promise<void> {
  await db
    .updateTable('audit_log')
    .set((eb) => ({ count: eb('count', '+', n) }))
    .where('id', '=', id)
    .execute();
}

/** Deletes up to `limit` rows older than `before` (seconds); returns how many went. */
export async function deleteOlderThan(db: Db, before: number, limit: number): Promise<number> {
  const res = await db
    .deleteFrom('audit_log')
    .where('id', 'in', (eb) => eb.selectFrom('audit_log').select('id').where('create_time', '<', before).limit(limit))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

type Filter = Pick<ListAuditQuery, 'userId' | 'action'>;

function filtered(db: Db, q: Filter) {
  let base = db.selectFrom('audit_log');
  if (q.userId !== undefined) base = base.where('user_id', '=', q.userId);
  if (q.action !== undefined) base = base.where('action', '=', q.action);
  return base;
}

export async function count(db: Db, q: Filter): Promise<number> {
  const { total } = await filtered(db, q)
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  return Number(total);
}

export async function page(db: Db, q: ListAuditQuery): Promise<AuditRow[]> {
  const rows = await applyPage(filtered(db, q).selectAll().orderBy('id', q.order), q).execute();
  return rows.map(toRow);
}

/** One slice of the whole listing in id order, after the id `after` (null: from the start). */
export async function slice(db: Db, q: ListAuditQuery, after: number | null, size: number): Promise<AuditRow[]> {
  let base = filtered(db, q);
  if (after !== null) base = base.where('id', q.order === 'asc' ? '>' : '<', after);
  const rows = await base.selectAll().orderBy('id', q.order).limit(size).execute();
  return rows.map(toRow);
}

function toRow(r: {
  id: number;
  user_id: number | null;
  user_name: string | null;
  action: string;
  target: string;
  result: number;
  client_ip: string;
  create_time: number;
  count: number;
}): AuditRow {
  return {
    id: r.id,
    userId: r.user_id,
    user: r.user_name,
    action: r.action,
    target: r.target,
    result: r.result,
    clientIp: r.client_ip,
    createTime: r.create_time,
    count: r.count,
  };
}
