import type { Kysely } from 'kysely';
import type { DialectName } from '../db/index.js';
import { runPrecompiled } from '../db/precompiled.js';
import type { Database, Db } from '../db/types.js';
import type { ThrottleRow, ThrottleStore } from './throttle.js';

/**
 * Login throttling state in the database, so that every replica of the hub
 * shares one budget per name, address and pair. Each update is one
 * transaction: the rows are created if missing, then locked (`FOR UPDATE` on
 * PostgreSQL, in key order so two updates never deadlock; SQLite runs one
 * transaction at a time), read, decided on and written back.
 */
export class DbThrottleStore implements ThrottleStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly now: () => number = Date.now,
  ) {}

  async update<R>(keys: readonly string[], fn: (rows: Map<string, ThrottleRow>) => R, within?: Db): Promise<R> {
    const sorted = [...new Set(keys)].sort();
    const now = this.now();
    const n = sorted.length;
    // Compiled once per number of keys (issue #13: a login runs these twice).
    const run = async (trx: Db) => {
      await runPrecompiled(
        this.db,
        `throttle.insert:${n}`,
        sorted.flatMap((k) => [k, now]),
        (v) =>
          this.db
            .insertInto('login_throttle')
            .values(
              sorted.map((_, i) => ({
                throttle_key: v[2 * i] as string,
                failures: 0,
                until: 0,
                times: '[]',
                update_time: v[2 * i + 1] as number,
              })),
            )
            .onConflict((oc) => oc.column('throttle_key').doNothing()),
        trx,
      );
      const found = await runPrecompiled(
        this.db,
        `throttle.select:${n}`,
        sorted,
        (v) => {
          const select = this.db
            .selectFrom('login_throttle')
            .selectAll()
            .where('throttle_key', 'in', v as string[])
            .orderBy('throttle_key');
          return this.dialect === 'postgres' ? select.forUpdate() : select;
        },
        trx,
      );
      const rows = new Map<string, ThrottleRow>();
      for (const r of found) {
        rows.set(r.throttle_key, { failures: r.failures, until: Number(r.until), times: JSON.parse(r.times) as number[] });
      }
      const before = new Map([...rows].map(([k, r]) => [k, JSON.stringify(r)]));
      const result = fn(rows);
      for (const [k, r] of rows) {
        if (before.get(k) === JSON.stringify(r)) continue;
        await runPrecompiled(
          this.db,
          'throttle.update',
          [r.failures, r.until, JSON.stringify(r.times), now, k],
          ([failures, until, times, at, key]) =>
            this.db
              .updateTable('login_throttle')
              .set({ failures: failures as number, until: until as number, times: times as string, update_time: at as number })
              .where('throttle_key', '=', key as string),
          trx,
        );
      }
      return result;
    };
    return within ? run(within) : this.db.transaction().execute(run);
  }

  async prune(before: number): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('update_time', '<', before).where('until', '<', this.now()).execute();
  }
}
