import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { type Generated, Kysely } from 'kysely';
import { PacedSqliteDialect } from '../../src/db/paced-sqlite.js';
import { stretchPacer } from '../../src/lib/slices.js';

/**
 * SQLite queries are synchronous, so a chain of awaited queries never let the
 * event loop turn (issue #13: 100-400 ms blocks in a fleet-wide fan-out). The
 * paced dialect gives way between queries once a stretch has used its budget.
 * A budget of 0 (every query after the first of a stretch waits) and one no
 * chain can reach make the behaviour deterministic: no timing is asserted.
 */
type Tables = { t: { id: Generated<number>; v: string } };

function open(budgetMs: number): Kysely<Tables> {
  const db = new SQLite(':memory:');
  db.exec('create table t (id integer primary key autoincrement, v text not null)');
  return new Kysely<Tables>({ dialect: new PacedSqliteDialect({ database: db }, budgetMs) });
}

/** Runs `n` queries back to back and counts the loop turns (immediates) seen between them. */
async function chain(k: Kysely<Tables>, n: number): Promise<number> {
  let turns = 0;
  let stop = false;
  const tick = () => {
    if (stop) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const seen: number[] = [];
  for (let i = 0; i < n; i++) {
    await k
      .insertInto('t')
      .values({ v: `v${i}` })
      .execute();
    seen.push(turns);
  }
  stop = true;
  return seen[n - 1] - seen[0];
}

describe('paced SQLite dialect', () => {
  it('lets the event loop turn between the queries of a long chain', async () => {
    const k = open(0);
    try {
      const turns = await chain(k, 20);
      assert.ok(turns >= 10, `the loop turned ${turns} times during 20 queries`);
      assert.equal(
        (
          await k
            .selectFrom('t')
            .select(({ fn }) => fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
        20,
      );
    } finally {
      await k.destroy();
    }
  });

  it('runs a chain within its budget in one stretch, as plain Kysely would', async () => {
    const k = open(60_000);
    try {
      assert.equal(await chain(k, 20), 0);
    } finally {
      await k.destroy();
    }
  });

  it('keeps transactions whole while giving way inside them', async () => {
    const k = open(0);
    try {
      const other: string[] = [];
      const work = k.transaction().execute(async (trx) => {
        for (let i = 0; i < 10; i++)
          await trx
            .insertInto('t')
            .values({ v: `tx${i}` })
            .execute();
        throw new Error('roll back');
      });
      // Queries from elsewhere wait for the connection: they see the state before or after, never within.
      const reader = (async () => {
        const n = await k
          .selectFrom('t')
          .select(({ fn }) => fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        other.push(String(n.n));
      })();
      await assert.rejects(work, /roll back/);
      await reader;
      assert.deepEqual(other, ['0']);
      assert.deepEqual(await k.selectFrom('t').selectAll().execute(), []);
      // Streams work too.
      await k.insertInto('t').values({ v: 'a' }).execute();
      const streamed: string[] = [];
      for await (const row of k.selectFrom('t').select('v').stream()) streamed.push(row.v);
      assert.deepEqual(streamed, ['a']);
    } finally {
      await k.destroy();
    }
  });
});

describe('stretchPacer', () => {
  it('lets the first step of a stretch run, then asks for a turn once the budget is spent', async () => {
    const pace = stretchPacer(0);
    assert.equal(pace(), undefined, 'a new stretch starts without waiting');
    const wait = pace();
    assert.ok(wait, 'the budget is spent: wait for the next turn');
    await wait;
    assert.equal(pace(), undefined, 'after the turn, a new stretch');
  });

  it('ends a stretch when the loop turns, even without a wait', async () => {
    const pace = stretchPacer(0);
    assert.equal(pace(), undefined);
    await new Promise((r) => setImmediate(r));
    assert.equal(pace(), undefined, 'the loop turned: a new stretch');
  });
});
