import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { runPrecompiled } from '../../src/db/precompiled.js';
import type { Database } from '../../src/db/types.js';

/** Queries compiled once per shape, filled with each call's values (issue #13). */
function fixture() {
  const raw = new SQLite(':memory:');
  raw.exec('create table users (id integer primary key, user_name text not null, status integer not null)');
  const insert = raw.prepare('insert into users (user_name, status) values (?, ?)');
  for (let i = 1; i <= 6; i++) insert.run(`u${i}`, i % 2);
  // The tables the helper is typed with; only `users` (id, user_name, status) is read here.
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  let compiled = 0;
  const byStatus = (status: number, limit: number) =>
    runPrecompiled(db, 'by-status', [status, limit], ([s, l]) => {
      compiled++;
      return db
        .selectFrom('users')
        .select(['id', 'user_name'])
        .where('status', '=', s as number)
        .orderBy('id')
        .limit(l as number);
    });
  return { db, byStatus, compiled: () => compiled };
}

describe('precompiled queries', () => {
  it('builds a shape once and answers each call for its own values', async () => {
    const { db, byStatus, compiled } = fixture();
    assert.deepEqual(await byStatus(1, 2), [
      { id: 1, user_name: 'u1' },
      { id: 3, user_name: 'u3' },
    ]);
    assert.deepEqual(await byStatus(0, 1), [{ id: 2, user_name: 'u2' }]);
    assert.deepEqual(await byStatus(0, 10), [
      { id: 2, user_name: 'u2' },
      { id: 4, user_name: 'u4' },
      { id: 6, user_name: 'u6' },
    ]);
    assert.equal(compiled(), 1);
    await db.destroy();
  });

  it('keeps constants of the query and places string values', async () => {
    const { db } = fixture();
    const run = (name: string) =>
      runPrecompiled(db, 'by-name', [name], ([n]) =>
        db
          .selectFrom('users')
          .select('id')
          .where('status', '=', 1)
          .where('user_name', '=', n as string),
      );
    assert.deepEqual(await run('u3'), [{ id: 3 }]);
    assert.deepEqual(await run('u2'), [], 'the constant status = 1 still applies');
    assert.deepEqual(await run("u5' or 1=1 --"), [], 'a value stays a bound parameter');
    await db.destroy();
  });

  it('refuses a build that does not use each value as exactly one parameter', async () => {
    const { db } = fixture();
    await assert.rejects(
      runPrecompiled(db, 'transformed', ['u1'], ([n]) =>
        db.selectFrom('users').select('id').where('user_name', '=', String(n).toUpperCase()),
      ),
      /value 0 is not exactly one parameter/,
    );
    await assert.rejects(
      runPrecompiled(db, 'twice', ['u1'], ([n]) =>
        db
          .selectFrom('users')
          .select('id')
          .where('user_name', '=', n as string)
          .where(sql<boolean>`user_name <> ${n}`),
      ),
      /value 0 is not exactly one parameter/,
    );
    await db.destroy();
  });
});
