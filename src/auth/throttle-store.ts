import type { Kysely } from 'kysely';
import { runPrecompiled } from '../db/precompiled.js';
import type { Database, Db } from '../db/types.js';
import type { ThrottleRow, ThrottleStore } from './throttle.js';

/**
 * Login throttling state in the database, so that every replica of the hub
 * shares one budget per name, address and pair. Each update is one
 * transaction: the rows are created if missing and locked (an upsert that
 * answers them, in key order so two updates never deadlock; SQLite runs one
 * transaction at a time), decided on, and the changed ones written back.
 */
export class DbThrottleStore implements ThrottleStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async update<R>(keys: readonly string[], fn: (rows: Map<string, ThrottleRow>) => R, within?: Db): Promise<R> {
    const sorted = [...new Set(keys)].sort();
    const now = this.now();
    const n = sorted.length;
    // Compiled once per number of keys (issue #13: a login runs these twice), and two
    // statements instead of two plus one per changed row (each one a round trip).
    const run = async (trx: Db) => {
      // Created if missing and locked in one statement: DO UPDATE locks an existing row (as
      // FOR UPDATE would; SQLite holds the whole database anyway) and answers it, a new row
      // is the insert's own. The rows go in key order, so two updates never deadlock.
      const found = await runPrecompiled(
        this.db,
        `throttle.lock:${n}`,
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
            .onConflict((oc) =>
              oc.column('throttle_key').doUpdateSet((eb) => ({ throttle_key: eb.ref('excluded.throttle_key') })),
            )
            .returningAll(),
        trx,
      );
      const rows = new Map<string, ThrottleRow>();
      for (const r of found) {
        rows.set(r.throttle_key, { failures: r.failures, until: Number(r.until), times: JSON.parse(r.times) as number[] });
      }
      const before = new Map([...rows].map(([k, r]) => [k, JSON.stringify(r)]));
      const result = fn(rows);
      // The changed rows (all present and locked) written back in one upsert.
      const changed = [...rows].filter(([k, r]) => before.get(k) !== JSON.stringify(r));
      if (changed.length > 0) {
        await runPrecompiled(
          this.db,
          `throttle.write:${changed.length}`,
          changed.flatMap(([k, r]) => [k, r.failures, r.until, JSON.stringify(r.times), now]),
          (v) =>
            this.db
              .insertInto('login_throttle')
              .values(
                changed.map((_, i) => ({
                  throttle_key: v[5 * i] as string,
                  failures: v[5 * i + 1] as number,
                  until: v[5 * i + 2] as number,
                  times: v[5 * i + 3] as string,
                  update_time: v[5 * i + 4] as number,
                })),
              )
              .onConflict((oc) =>
                oc.column('throttle_key').doUpdateSet((eb) => ({
                  failures: eb.ref('excluded.failures'),
                  until: eb.ref('excluded.until'),
                  times: eb.ref('excluded.times'),
                  update_time: eb.ref('excluded.update_time'),
                })),
              ),
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
