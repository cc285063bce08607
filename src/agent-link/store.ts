import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
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

/**
 * Writes a batch of values of one column: one UPDATE per distinct value
 * (heartbeats of one flush share a handful of seconds; acks a generation or two).
 */
export async function writeBatch(
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
  for (const [v, ids] of byValue) {
    for (const part of chunks(ids)) {
      await db
        .updateTable('clusters')
        .set({ [column]: v })
        .where('id', 'in', part)
        .execute();
    }
  }
}

export async function recordAckError(db: Db, clusterId: number, error: string | null): Promise<void> {
  await db.updateTable('clusters').set({ ack_error: error }).where('id', '=', clusterId).execute();
}
