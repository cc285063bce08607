import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Batcher } from '../../src/agent-link/batcher.js';
import { type DatabaseHandle, openDatabase } from '../../src/db/index.js';
import type { Logger } from '../../src/lib/log.js';
import { DATABASES, TestDatabase } from '../helpers/hub.js';

/**
 * The heartbeat and acknowledgement batch (issue #13): one transaction a
 * flush, values many clusters share as plain UPDATEs, the rest (after a
 * fan-out every cluster may acknowledge its own generation) as UPDATEs with
 * a CASE, in chunks; a flush that fails keeps what it could not write.
 */
const CLUSTERS = 1200; // more than two chunks of ids

for (const kind of DATABASES) {
  describe(`agent heartbeat and acknowledgement batches [${kind}]`, () => {
    let database: TestDatabase;
    let handle: DatabaseHandle;
    const ids: number[] = [];
    const warned: unknown[] = [];
    const log: Logger = {
      debug: () => {},
      info: () => {},
      warn: (fields: object | string) => warned.push(fields),
      error: () => {},
    };

    before(async () => {
      database = await TestDatabase.create(kind);
      handle = await openDatabase({ dataDir: database.dataDir, databaseUrl: database.url });
      const rows = Array.from({ length: CLUSTERS }, (_, i) => ({
        name: `batch-${i}`,
        name_key: `batch-${i}`,
        token_hash: `hash-${i}`,
        paused: 0,
        create_time: 1,
      }));
      for (let i = 0; i < rows.length; i += 200) {
        const got = await handle.kysely
          .insertInto('clusters')
          .values(rows.slice(i, i + 200))
          .returning('id')
          .execute();
        ids.push(...got.map((r) => r.id));
      }
    });
    after(async () => {
      await handle?.close();
      await database?.drop();
    });

    const read = async () =>
      new Map(
        (await handle.kysely.selectFrom('clusters').select(['id', 'last_heartbeat', 'acked_generation']).execute()).map((r) => [
          r.id,
          {
            heartbeat: r.last_heartbeat === null ? null : Number(r.last_heartbeat),
            ack: r.acked_generation === null ? null : Number(r.acked_generation),
          },
        ]),
      );

    it('writes shared and distinct values alike, every one of them', async () => {
      const b = new Batcher(handle.kysely);
      // Heartbeats on three seconds (shared), acks each on its own generation (distinct, more than two chunks).
      ids.forEach((id, i) => {
        b.heartbeat(id, 1_000 + (i % 3));
        b.ack(id, 10_000 + i);
      });
      // A few that share a value with fewer than the plain-UPDATE threshold.
      b.ack(ids[0], 7);
      b.ack(ids[1], 7);
      await b.flush(log);
      const rows = await read();
      ids.forEach((id, i) => {
        const ack = i < 2 ? 7 : 10_000 + i;
        assert.deepEqual(rows.get(id), { heartbeat: 1_000 + (i % 3), ack }, `cluster ${i}`);
      });
      assert.deepEqual(warned, []);
      // Nothing left over: a second flush writes nothing (no statement, no transaction).
      await b.flush(log);
      assert.deepEqual(await read(), rows);
    });

    /** Refuses updates of acked_generation (heartbeats still go through) while `fn` runs. */
    async function refusingAcks(fn: () => Promise<void>): Promise<void> {
      const k = handle.kysely;
      if (kind === 'sqlite') {
        await sql`create trigger no_acks before update of acked_generation on clusters begin select raise(abort, 'acks refused'); end`.execute(
          k,
        );
      } else {
        await sql`create function no_acks() returns trigger language plpgsql as $$ begin raise exception 'acks refused'; end $$`.execute(
          k,
        );
        await sql`create trigger no_acks before update of acked_generation on clusters for each row execute function no_acks()`.execute(
          k,
        );
      }
      try {
        await fn();
      } finally {
        if (kind === 'sqlite') await sql`drop trigger no_acks`.execute(k);
        else {
          await sql`drop trigger no_acks on clusters`.execute(k);
          await sql`drop function no_acks()`.execute(k);
        }
      }
    }

    it('writes a flush as one transaction, and keeps what a failed flush could not write, newer values winning', async () => {
      const b = new Batcher(handle.kysely);
      ids.forEach((id, i) => b.heartbeat(id, 2_000 + i));
      b.ack(ids[5], 55);
      // The heartbeats could be written, the acknowledgement not: the flush fails as a whole.
      await refusingAcks(() => b.flush(log));
      assert.equal(warned.length, 1, 'the failure is logged');
      const untouched = await read();
      assert.ok(
        ids.every((id, i) => untouched.get(id)?.heartbeat === 1_000 + (i % 3)),
        'nothing of the failed flush was written (its heartbeats neither)',
      );
      // A newer heartbeat arrives before the retry: it wins over the kept one.
      b.heartbeat(ids[3], 9_999);
      await b.flush(log);
      const rows = await read();
      ids.forEach((id, i) => assert.equal(rows.get(id)?.heartbeat, i === 3 ? 9_999 : 2_000 + i, `cluster ${i}`));
      assert.equal(rows.get(ids[5])?.ack, 55);
    });
  });
}
