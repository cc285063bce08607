import { sql } from 'kysely';
import { chunks } from '../lib/chunks.js';
import type { Db } from './store.js';

/** Each cluster's desired-state generation and the hash of the state it stands for. */

/** Current generation and desired-state hash per cluster. */
export async function generations(db: Db, ids: readonly number[]): Promise<Map<number, { generation: number; hash: string }>> {
  const out = new Map<number, { generation: number; hash: string }>();
  for (const part of chunks(ids)) {
    const rows = await db.selectFrom('clusters').select(['id', 'generation', 'desired_hash']).where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id, { generation: Number(r.generation), hash: r.desired_hash });
  }
  return out;
}

/**
 * Moves each changed cluster to a new generation with its new hash and
 * answers the new generations. Clusters that share a new state (a fleet-wide
 * change) move with one plain UPDATE per chunk; the rest in chunks with a
 * CASE (dialect-neutral). Only rows whose hash still differs move, so two
 * replicas racing on one cluster bump it once.
 */
export async function bumpGenerations(db: Db, changed: ReadonlyMap<number, string>): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const byHash = new Map<string, number[]>();
  for (const [id, hash] of changed) {
    const ids = byHash.get(hash);
    if (ids) ids.push(id);
    else byHash.set(hash, [id]);
  }
  const singles: number[] = [];
  for (const [hash, ids] of byHash) {
    if (ids.length < 8) {
      singles.push(...ids);
      continue;
    }
    for (const part of chunks(ids)) {
      const rows = await db
        .updateTable('clusters')
        .set((eb) => ({ generation: eb('generation', '+', 1), desired_hash: hash }))
        .where('id', 'in', part)
        .where('desired_hash', '<>', hash)
        .returning(['id', 'generation'])
        .execute();
      for (const r of rows) out.set(r.id, Number(r.generation));
    }
  }
  for (const part of chunks(singles)) {
    const hashCase = sql<string>`case id ${sql.join(
      part.map((id) => sql`when ${id} then ${changed.get(id)}`),
      sql` `,
    )} end`;
    const rows = await db
      .updateTable('clusters')
      .set((eb) => ({ generation: eb('generation', '+', 1), desired_hash: hashCase }))
      .where('id', 'in', part)
      .where('desired_hash', '<>', hashCase)
      .returning(['id', 'generation'])
      .execute();
    for (const r of rows) out.set(r.id, Number(r.generation));
  }
  return out;
}
