import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { chunks } from '../lib/chunks.js';
import type { NodeReport } from './protocol.js';

/** The node inventory agents report (`nodes`), written only when its hash changed. */
type Db = Kysely<Database>;

/** A hash of a node inventory in a stable order, so an unchanged report writes nothing. */
export function inventoryHash(nodes: readonly NodeReport[]): string {
  const sorted = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const h = createHash('sha256');
  for (const n of sorted) {
    const labels = Object.keys(n.labels)
      .sort()
      .map((k) => [k, n.labels[k]]);
    h.update(
      JSON.stringify([
        n.name,
        n.osImage,
        n.kernelVersion,
        n.internalIP,
        n.cpu,
        n.memory,
        n.disk,
        n.gpuCount,
        n.gpuMemoryMiB,
        n.ready,
        labels,
      ]),
    );
    h.update('\n');
  }
  return h.digest('hex');
}

/** Replaces a cluster's node inventory (one transaction) and records its hash. */
export function replaceInventory(
  db: Db,
  clusterId: number,
  nodes: readonly NodeReport[],
  hash: string,
  now: number,
): Promise<void> {
  return db.transaction().execute((trx) => writeInventory(trx, clusterId, nodes, hash, now));
}

/** The inventory write itself; the caller holds the transaction (a hello's claim, see store.ts). */
export async function writeInventory(
  trx: Db,
  clusterId: number,
  nodes: readonly NodeReport[],
  hash: string,
  now: number,
): Promise<void> {
  // A report may name a node twice (a buggy agent): the last one wins rather than a unique violation.
  const byName = new Map(nodes.map((n) => [n.name, n]));
  // A node's update_time is when its readiness last changed (alerts say "not ready since" from it):
  // a report that changes something else, of this node or another, keeps it.
  const before = await trx
    .selectFrom('nodes')
    .select(['name', 'ready', 'update_time'])
    .where('cluster_id', '=', clusterId)
    .execute();
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
