import { Counter, type Registry } from 'prom-client';
import type { Db } from '../db/types.js';
import { nowSeconds } from '../lib/time.js';
import type { AuditRow, ListAuditQuery } from './schemas.js';
import * as store from './store.js';

export interface AuditEntry {
  readonly userId: number | null;
  readonly userName: string | null;
  /** The route, e.g. `PUT /v1/business/id/:id`. */
  readonly action: string;
  /** The concrete path called (never a body: bodies may hold passwords). */
  readonly target: string;
  readonly result: number;
  readonly clientIp: string;
}

export interface AuditOptions {
  /** Days rows are kept (`OTE_AUDIT_RETENTION_DAYS`). */
  readonly retentionDays: number;
  readonly metrics?: Registry;
}

/** Rows a slice of a whole listing reads at once: a few milliseconds of work, then the event loop is free again. */
export const SLICE = 250;
/** Distinct (address, route, result, name) keys aggregated at once; beyond, calls get rows of their own. */
const MAX_BUCKETS = 10_000;

interface Bucket {
  readonly minute: number;
  /** The row's id once inserted (the first call of the minute writes it at once). */
  readonly id: Promise<number>;
  /** Calls since the last flush. */
  pending: number;
}

/**
 * The audit log of every state-changing call (API.md §9). A client without a
 * token that fails (401, 403, 404, 415, 422, 429...) is aggregated: one row per
 * address, route, result, given name and minute, with a `count`, so a flood of
 * anonymous calls cannot grow the table by a row per request; a counter metric
 * has every such call. Rows older than the retention are pruned.
 */
export class AuditService {
  private readonly buckets = new Map<string, Bucket>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private readonly anonymousFailures: Counter;

  constructor(
    private readonly db: Db,
    private readonly opts: AuditOptions = { retentionDays: 180 },
    private readonly now: () => number = nowSeconds,
  ) {
    this.anonymousFailures = new Counter({
      name: 'ote_audit_anonymous_failures_total',
      help: 'State-changing calls without a token that failed (aggregated in the audit log per address and minute)',
      labelNames: ['status'],
      registers: opts.metrics ? [opts.metrics] : [],
    });
  }

  async record(e: AuditEntry): Promise<void> {
    if (e.userId === null && e.result >= 400 && e.result < 500) {
      this.anonymousFailures.inc({ status: String(e.result) });
      if (await this.aggregate(e)) return;
    }
    await store.insert(this.db, { ...e, createTime: this.now() });
  }

  /** Counts the call into its minute's row; false when it needs a row of its own. */
  private async aggregate(e: AuditEntry): Promise<boolean> {
    const createTime = this.now();
    const minute = Math.floor(createTime / 60);
    const key = JSON.stringify([minute, e.clientIp, e.action, e.result, e.userName]);
    const known = this.buckets.get(key);
    if (known) {
      known.pending += 1;
      this.scheduleFlush();
      return true;
    }
    if (this.buckets.size >= MAX_BUCKETS) return false;
    // Set before the insert resolves: a call racing in counts into this row, not a second one.
    const bucket: Bucket = { minute, id: store.insert(this.db, { ...e, createTime }), pending: 0 };
    this.buckets.set(key, bucket);
    try {
      await bucket.id;
    } catch (err) {
      this.buckets.delete(key);
      throw err;
    }
    return true;
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush().catch(() => {}); // a failed count is lost; the next flush carries on
    }, 1000);
    this.flushTimer.unref();
  }

  /** Writes the aggregated counts and forgets the rows of past minutes. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const minute = Math.floor(this.now() / 60);
      for (const [key, b] of [...this.buckets]) {
        const n = b.pending;
        b.pending = 0;
        if (n > 0) await store.addCount(this.db, await b.id, n);
        if (b.minute < minute && b.pending === 0) this.buckets.delete(key);
      }
    });
    return this.flushing;
  }

  /** Stops the flush timer and writes what is pending (hub stop). */
  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flush().catch(() => {});
  }

  /** Deletes rows older than the retention, in batches (never one long lock); returns how many went. */
  async prune(): Promise<number> {
    const before = this.now() - this.opts.retentionDays * 86400;
    let total = 0;
    for (;;) {
      const n = await store.deleteOlderThan(this.db, before, 5000);
      total += n;
      if (n < 5000) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async list(q: ListAuditQuery): Promise<{ rows: AuditRow[]; total: number }> {
    const [total, rows] = await Promise.all([store.count(this.db, q), store.page(this.db, q)]);
    return { total, rows };
  }

  async count(q: ListAuditQuery): Promise<number> {
    return store.count(this.db, q);
  }

  /**
   * Every row of a listing, slice by slice (keyset, by id), yielding to the
   * event loop between slices: `pageSize=0` over 100k rows must not hold it
   * for the whole read and serialization.
   */
  async *all(q: ListAuditQuery): AsyncGenerator<AuditRow[]> {
    let after: number | null = null;
    for (;;) {
      await this.nextTurn();
      const rows = await store.slice(this.db, q, after, SLICE);
      if (rows.length > 0) yield rows;
      if (rows.length < SLICE) return;
      after = rows[rows.length - 1].id;
    }
  }

  private gate: Promise<void> = Promise.resolve();

  /**
   * One slice per turn of the event loop, across every listing running: six
   * listings at once must not put six slices between two other requests.
   */
  private nextTurn(): Promise<void> {
    const turn = this.gate.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.gate = turn;
    return turn;
  }
}
