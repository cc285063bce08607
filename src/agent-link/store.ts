import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/types.js';
import { chunks } from '../lib/chunks.js';
import type { NodeReport } from './protocol.js';

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
    const rows = await db
      .selectFrom('clusters')
      .select(['id', 'session_id', 'token_hash'])
      .where('id', 'in', part)
      .execute();
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

/** Current generation and desired-state hash per cluster. */
export async function generations(db: Db, ids: readonly number[]): Promise<Map<number, { generation: number; hash: string }>> {
  const out = new Map<number, { generation: number; hash: string }>();
  for (const part of chunks(ids)) {
    const rows = await db
      .selectFrom('clusters')
      .select(['id', 'generation', 'desired_hash'])
      .where('id', 'in', part)
      .execute();
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

/** A hash of a node inventory in a stable order, so an unchanged report writes nothing. */
export function inventoryHash(nodes: readonly NodeReport[]): string {
  const sorted = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const h = createHash('sha256');
  for (const n of sorted) {
    const labels = Object.keys(n.labels)
      .sort()
      .map((k) => [k, n.labels[k]]);
    h.update(
      JSON.stringify([n.name, n.osImage, n.kernelVersion, n.internalIP, n.cpu, n.memory, n.disk, n.gpuCount, n.gpuMemoryMiB, n.ready, labels]),
    );
    h.update('\n');
  }
  return h.digest('hex');
}

/** Replaces a cluster's node inventory (one transaction) and records its hash. */
export function replaceInventory(db: Db, clusterId: number, nodes: readonly NodeReport[], hash: string, now: number): Promise<void> {
  return db.transaction().execute((trx) => writeInventory(trx, clusterId, nodes, hash, now));
}

/** The inventory write itself; the caller holds the transaction. */
async function writeInventory(trx: Db, clusterId: number, nodes: readonly NodeReport[], hash: string, now: number): Promise<void> {
  // A report may name a node twice (a buggy agent): the last one wins rather than a unique violation.
  const byName = new Map(nodes.map((n) => [n.name, n]));
  // A node's update_time is when its readiness last changed (alerts say "not ready since" from it):
  // a report that changes something else, of this node or another, keeps it.
  const before = await trx.selectFrom('nodes').select(['name', 'ready', 'update_time']).where('cluster_id', '=', clusterId).execute();
  const since = new Map(before.map((r) => [`${r.name}\u0000${r.ready}`, r.update_time]));
  await trx.deleteFrom('nodes').where('cluster_id', '=', clusterId).execute();
  const rows = [...byName.values()].map((n) => ({
    cluster_id: clusterId,
    name: n.name,
    os_image: n.osImage,
    kernel_version: n.kernelVersion,
    internal_ip: n.internalIP,
    cpu: n.cpu,
    memory: Math.round(n.memory),
    disk: Math.round(n.disk),
    gpu_count: n.gpuCount,
    gpu_memory_mib: n.gpuMemoryMiB,
    ready: n.ready ? 1 : 0,
    k8s_labels: JSON.stringify(n.labels),
    update_time: since.get(`${n.name}\u0000${n.ready ? 1 : 0}`) ?? now,
  }));
  for (const part of chunks(rows, 50)) await trx.insertInto('nodes').values(part).execute();
  await trx.updateTable('clusters').set({ inventory_hash: hash }).where('id', '=', clusterId).execute();
}
