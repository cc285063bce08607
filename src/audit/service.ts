import type { Db } from '../db/types.js';
import { nowSeconds } from '../lib/time.js';
import type { AuditRow, ListAuditQuery } from './schemas.js';
import * as store from './store.js';

interface AuditEntry {
  readonly userId: number | null;
  readonly userName: string | null;
  /** The route, e.g. `PUT /v1/business/id/:id`. */
  readonly action: string;
  /** The concrete path called (never a body: bodies may hold passwords). */
  readonly target: string;
  readonly result: number;
  readonly clientIp: string;
}

/** The audit log of every state-changing call (API.md §9). */
export class AuditService {
  constructor(private readonly db: Db) {}

  async record(e: AuditEntry): Promise<void> {
    await store.insertAuditEntry(this.db, {
      user_id: e.userId,
      user_name: e.userName,
      action: e.action,
      target: e.target,
      result: e.result,
      client_ip: e.clientIp,
      create_time: nowSeconds(),
    });
  }

  async list(q: ListAuditQuery): Promise<{ rows: AuditRow[]; total: number }> {
    const { rows, total } = await store.listAuditEntries(this.db, { userId: q.userId, action: q.action }, q);
    return {
      total,
      rows: rows.map((r) => ({
        id: r.id,
        userId: r.user_id,
        user: r.user_name,
        action: r.action,
        target: r.target,
        result: r.result,
        clientIp: r.client_ip,
        createTime: r.create_time,
      })),
    };
  }
}
