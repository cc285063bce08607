import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/types.js';
import { chunks } from '../lib/chunks.js';
import { writeInventory } from './inventory-store.js';
import type { NodeReport } from './protocol.js';

/**
 * The agent link's own data: the connection columns of `clusters` (session,
 * heartbeat, generation and desired-state hash, acknowledgement, inventory
 * hash), found by the join token. Generations are in generation-store.ts,
 * the reported nodes in inventory-store.ts; what other domains own reaches
 * the desired state through their contributors.
 */
export type Db = Kysely<Database>;

/** Join tokens are 256-bit random strings: sha256 is the right (fast, sufficient) hash. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface AgentCluster {
  readonly id: number;
  readonly name: string;
  readonly tokenHash: string;
  readonly inventoryHash: string | null;
  /** The last acknowledgement reported a failure (cleared by the next good one). */
  readonly ackError: boolean;
}

export async function clusterByToken(db: Db, token: string): Promise<AgentCluster | undefined> {
  const row = await db
    .selectFrom('clusters')
    .select(['id', 'name', 'token_hash', 'inventory_hash', 'ack_error'])
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      name: row.name,
      tokenHash: row.token_hash,
      inventoryHash: row.inventory_hash,
      ackError: row.ack_error !== null,
    }
  );
}

/**
 * Marks the cluster as held by this connection, and writes a changed node
 * inventory in the same transaction (one commit per hello: reconnect storms
 * after a hub restart are bounded by commits). Answers false when the cluster
 * is gone or its token changed.
 */
export function claimSession(
  db: Db,
  c: AgentCluster,
  sessionId: string,
  agentVersion: string,
  now: number,
  inventory: { nodes: readonly NodeReport[]; hash: string } | null,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('clusters')
      .set({ session_id: sessionId, agent_version: agentVersion.slice(0, 128), last_heartbeat: now })
      .where('id', '=', c.id)
      .where('token_hash', '=', c.tokenHash)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    if (inventory) await writeInventory(trx, c.id, inventory.nodes, inventory.hash, now);
    return true;
  });
}

/** Clears every session (a single-process hub starting: whatever the database says, nobody is connected). */
export async function releaseAllSessions(db: Db): Promise<void> {
  await db.updateTable('clusters').set({ session_id: null }).where('session_id', 'is not', null).execute();
}

/** Clears the sessions of a stopping replica in one statement per chunk. */
export async function releaseSessions(db: Db, sessionIds: readonly string[]): Promise<void> {
  for (const part of chunks(sessionIds)) {
    await db.updateTable('clusters').set({ session_id: null }).where('session_id', 'in', part).execute();
  }
}

/** Clears the session unless a newer connection (maybe on another replica) holds the cluster already. */
export async function releaseSession(db: Db, clusterId: number, sessionId: string): Promise<void> {
  await db
    .updateTable('clusters')
    .set({ session_id: null })
    .where('id', '=', clusterId)
    .where('session_id', '=', sessionId)
    .execute();
}

/** Who holds each cluster and with which token now (the periodic check of local sessions). */
export async function sessionFacts(
  db: Db,
  ids: readonly number[],
): Promise<Map<number, { sessionId: string | null; tokenHash: string }>> {
  const out = new Map<number, { sessionId: string | null; tokenHash: string }>();
  for (const part of chunks(ids)) {
    const rows = await db.selectFrom('clusters').select(['id', 'session_id', 'token_hash']).where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id, { sessionId: r.session_id, tokenHash: r.token_hash });
  }
  return out;
}

/** Batched values of the connection columns, by cluster id. */
export interface ConnectionBatch {
  readonly last_heartbeat: ReadonlyMap<number, number>;
  readonly acked_generation: ReadonlyMap<number, number>;
}

/** Ids that share a value go in one plain UPDATE per chunk from this many on; fewer, in chunks by CASE. */
const SHARED = 8;

/**
 * Writes a batch of heartbeats and acknowledgements in one transaction (one
 * commit, however many statements). Values many clusters share (heartbeats
 * of one flush fall on a handful of seconds; acks often on one generation)
 * go as one plain UPDATE per chunk; the rest, a chunk at a time, as one
 * UPDATE with a CASE (after a fan-out, clusters acknowledge different
 * generations: one statement per value would be thousands).
 */
export async function writeBatch(db: Db, batch: ConnectionBatch): Promise<void> {
  if (batch.last_heartbeat.size === 0 && batch.acked_generation.size === 0) return;
  await db.transaction().execute(async (trx) => {
    await writeColumn(trx, 'last_heartbeat', batch.last_heartbeat);
    await writeColumn(trx, 'acked_generation', batch.acked_generation);
  });
}

async function writeColumn(
  db: Db,
  column: 'last_heartbeat' | 'acked_generation',
  values: ReadonlyMap<number, number>,
): Promise<void> {
  const byValue = new Map<number, number[]>();
  for (const [id, v] of values) {
    const ids = byValue.get(v);
    if (ids) ids.push(id);
    else byValue.set(v, [id]);
  }
  const rest: number[] = [];
  for (const [v, ids] of byValue) {
    if (ids.length < SHARED) {
      rest.push(...ids);
      continue;
    }
    for (const part of chunks(ids)) {
      await db
        .updateTable('clusters')
        .set({ [column]: v })
        .where('id', 'in', part)
        .execute();
    }
  }
  for (const part of chunks(rest)) {
    // Cast: PostgreSQL would take CASE over untyped parameters for text.
    const value = sql<number>`cast(case id ${sql.join(
      part.map((id) => sql`when ${id} then ${values.get(id)}`),
      sql` `,
    )} end as bigint)`;
    await db
      .updateTable('clusters')
      .set({ [column]: value })
      .where('id', 'in', part)
      .execute();
  }
}

export async function recordAckError(db: Db, clusterId: number, error: string | null): Promise<void> {
  await db.updateTable('clusters').set({ ack_error: error }).where('id', '=', clusterId).execute();
}
