import type { Kysely } from 'kysely';
import type { DialectName } from '../db/index.js';
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
    const run = async (trx: Db) => {
      await trx
        .insertInto('login_throttle')
        .values(sorted.map((k) => ({ throttle_key: k, failures: 0, until: 0, times: '[]', update_time: now })))
        .onConflict((oc) => oc.column('throttle_key').doNothing())
        .execute();
      let select = trx.selectFrom('login_throttle').selectAll().where('throttle_key', 'in', sorted).orderBy('throttle_key');
      if (this.dialect === 'postgres') select = select.forUpdate();
      const found = await select.execute();
      const rows = new Map<string, ThrottleRow>();
      for (const r of found) {
        rows.set(r.throttle_key, { failures: r.failures, until: Number(r.until), times: JSON.parse(r.times) as number[] });
      }
      const before = new Map([...rows].map(([k, r]) => [k, JSON.stringify(r)]));
      const result = fn(rows);
      for (const [k, r] of rows) {
        if (before.get(k) === JSON.stringify(r)) continue;
        await trx
          .updateTable('login_throttle')
          .set({ failures: r.failures, until: r.until, times: JSON.stringify(r.times), update_time: now })
          .where('throttle_key', '=', k)
          .execute();
      }
      return result;
    };
    return within ? run(within) : this.db.transaction().execute(run);
  }

  async prune(before: number): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('update_time', '<', before).where('until', '<', this.now()).execute();
  }
}
