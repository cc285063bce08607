import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { preparingPool, statementName } from '../../src/db/statements.js';
import { DATABASES, TestDatabase } from '../helpers/hub.js';

/** Named prepared statements on PostgreSQL (issue #13): reused per connection, bounded. */
if (DATABASES.includes('postgres')) {
  describe('PostgreSQL prepared statements', () => {
    let database: TestDatabase;
    let pool: pg.Pool;
    let k: Kysely<{ t: { id: number; v: string } }>;
    before(async () => {
      database = await TestDatabase.create('postgres');
      // One connection, so every query below shares (or replaces) it.
      pool = new pg.Pool({ connectionString: database.url, max: 1 });
      k = new Kysely({ dialect: new PostgresDialect({ pool: preparingPool(pool, 3) }) });
      // No parameters: the simple protocol, where several statements in one text are allowed.
      await sql`create table t (id integer primary key, v text not null); insert into t values (1, 'a'), (2, 'b'), (3, 'c')`.execute(
        k,
      );
    });
    after(async () => {
      await k?.destroy();
      await database?.drop();
    });

    const prepared = async () =>
      (await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(k)).rows.map((r) => r.name);
    const backend = async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(k)).rows[0].pid;

    it('prepares a parameterized query once per connection, under a name derived from its text', async () => {
      const q = (id: number) => k.selectFrom('t').select('v').where('id', '=', id);
      assert.equal((await q(1).executeTakeFirst())?.v, 'a');
      assert.equal((await q(2).executeTakeFirst())?.v, 'b', 'the reused statement answers for its new parameters');
      assert.equal((await q(3).executeTakeFirst())?.v, 'c');
      const name = statementName(q(1).compile().sql);
      assert.deepEqual(await prepared(), [name]);
      await k.transaction().execute(async (trx) => {
        await trx.updateTable('t').set({ v: 'z' }).where('id', '=', 3).execute();
      });
      assert.equal((await q(3).executeTakeFirst())?.v, 'z');
      assert.equal((await prepared()).length, 2);
    });

    it('is bounded: a connection beyond its budget runs new texts unnamed, then is replaced', async () => {
      const pid = await backend();
      assert.equal((await prepared()).length, 2);
      await k.selectFrom('t').select('id').where('v', '=', 'a').execute(); // the third: named
      assert.equal((await prepared()).length, 3);
      assert.equal(await backend(), pid, 'within the budget the connection stays');
      const rows = await k.selectFrom('t').select('id').where('id', '>', 1).orderBy('id').execute(); // the fourth
      assert.deepEqual(
        rows.map((r) => r.id),
        [2, 3],
        'beyond the budget the query still answers',
      );
      // Released after that query, the connection is closed; its statements go with it.
      const next = await backend();
      assert.notEqual(next, pid);
      assert.deepEqual(await prepared(), []);
      assert.equal((await k.selectFrom('t').select('v').where('id', '=', 1).executeTakeFirst())?.v, 'a');
      assert.equal((await prepared()).length, 1);
    });

    it('reports errors of a named statement and stays usable', async () => {
      await assert.rejects(
        k
          .selectFrom('t')
          .select('v')
          .where('id', '=', 'x' as unknown as number)
          .execute(),
      );
      assert.equal((await k.selectFrom('t').select('v').where('id', '=', 2).executeTakeFirst())?.v, 'b');
      await assert.rejects(
        k.transaction().execute(async (trx) => {
          await trx.insertInto('t').values({ id: 1, v: 'dup' }).execute();
        }),
      );
      assert.equal((await k.selectFrom('t').select('v').where('id', '=', 1).executeTakeFirst())?.v, 'a');
    });
  });
}
