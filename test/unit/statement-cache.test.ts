import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { type Generated, Kysely, SqliteDialect, sql } from 'kysely';
import { cachingSqlite, statementName } from '../../src/db/statements.js';

/** The SQLite statement cache between Kysely and better-sqlite3 (issue #13). */
function fixture(max = 500) {
  const raw = new SQLite(':memory:');
  raw.exec('create table t (id integer primary key, v text not null)');
  const insert = raw.prepare('insert into t (v) values (?)');
  for (let i = 1; i <= 5; i++) insert.run(`v${i}`);
  const db = cachingSqlite(raw, max);
  return { raw, db };
}

describe('SQLite statement cache', () => {
  it('answers the same prepared statement for the same SQL text', () => {
    const { db } = fixture();
    const a = db.prepare('select v from t where id = ?');
    const b = db.prepare('select v from t where id = ?');
    assert.equal(a, b);
    assert.notEqual(db.prepare('select v from t where id > ?'), a);
    assert.deepEqual(a.all([2]), [{ v: 'v2' }]);
    assert.deepEqual(b.all([3]), [{ v: 'v3' }], 'reused with other parameters, it answers for them');
    db.close();
  });

  it('is bounded: beyond its size the least recently used statements are dropped', () => {
    const { db } = fixture(3);
    const first = db.prepare('select 1');
    for (let i = 2; i <= 10; i++) db.prepare(`select ${i}`);
    assert.equal(db.cached, 3);
    assert.notEqual(db.prepare('select 1'), first, 'an evicted text is prepared anew');
    // Recently used ones stay.
    assert.equal(db.prepare('select 10'), db.prepare('select 10'));
    assert.equal(db.cached, 3);
    db.close();
  });

  it('never hands out a statement that is busy iterating: that caller gets a fresh one', () => {
    const { db } = fixture();
    const text = 'select id, v from t where id >= ? order by id';
    const cached = db.prepare(text);
    const iter = cached.iterate([1]);
    assert.deepEqual(iter.next().value, { id: 1, v: 'v1' });
    // Reentrant use while the first iteration is suspended: better-sqlite3 would throw
    // "This statement is busy executing a query" on the cached one.
    const other = db.prepare(text);
    assert.notEqual(other, cached);
    assert.deepEqual(other.all([4]), [
      { id: 4, v: 'v4' },
      { id: 5, v: 'v5' },
    ]);
    const nested = db.prepare(text).iterate([5]);
    assert.deepEqual([...nested], [{ id: 5, v: 'v5' }]);
    // The first iteration goes on undisturbed.
    assert.deepEqual(
      [...iter].map((r) => (r as { id: number }).id),
      [2, 3, 4, 5],
    );
    assert.equal(db.prepare(text), cached, 'once idle again, the cached statement is reused');
    db.close();
  });

  it('serves Kysely: reads, writes, transactions and streams stay correct with reuse', async () => {
    const { db } = fixture();
    const k = new Kysely<{ t: { id: Generated<number>; v: string } }>({ dialect: new SqliteDialect({ database: db }) });
    try {
      for (let i = 1; i <= 5; i++) {
        const row = await k.selectFrom('t').select('v').where('id', '=', i).executeTakeFirst();
        assert.equal(row?.v, `v${i}`);
      }
      const before = db.cached;
      await k.selectFrom('t').select('v').where('id', '=', 1).execute();
      assert.equal(db.cached, before, 'the same query prepares nothing new');

      const { id } = await k.insertInto('t').values({ v: 'new' }).returning('id').executeTakeFirstOrThrow();
      const again = await k.insertInto('t').values({ v: 'newer' }).returning('id').executeTakeFirstOrThrow();
      assert.equal(again.id, id + 1);
      const res = await k.updateTable('t').set({ v: 'x' }).where('id', '>', 5).executeTakeFirst();
      assert.equal(res.numUpdatedRows, 2n);

      await assert.rejects(
        k.transaction().execute(async (trx) => {
          await trx.deleteFrom('t').where('id', '=', 1).execute();
          throw new Error('roll back');
        }),
      );
      await k.transaction().execute(async (trx) => {
        await trx.deleteFrom('t').where('id', '=', 2).execute();
      });
      const ids = (await k.selectFrom('t').select('id').orderBy('id').execute()).map((r) => r.id);
      assert.deepEqual(ids, [1, 3, 4, 5, id, id + 1]);

      // Two streams of the same query one after the other, each run to its end.
      for (let round = 0; round < 2; round++) {
        const seen: number[] = [];
        for await (const r of k.selectFrom('t').select('id').orderBy('id').stream()) seen.push(r.id);
        assert.deepEqual(seen, ids);
      }
      // A stream abandoned halfway leaves its statement reusable.
      for await (const r of k.selectFrom('t').select('id').orderBy('id').stream()) {
        assert.equal(r.id, 1);
        break;
      }
      assert.deepEqual(
        (await k.selectFrom('t').select('id').orderBy('id').execute()).map((r) => r.id),
        ids,
      );
      assert.equal((await sql<{ n: number }>`select count(*) as n from t`.execute(k)).rows[0].n, 6);
    } finally {
      await k.destroy();
    }
  });
});

describe('PostgreSQL statement names', () => {
  it('are stable for a text, distinct between texts, and valid identifiers', () => {
    const a = statementName('select * from users where id = $1');
    assert.equal(statementName('select * from users where id = $1'), a);
    assert.notEqual(statementName('select * from users where id = $2'), a);
    assert.match(a, /^ote_[0-9a-f]{32}$/);
  });
});
