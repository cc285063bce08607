import type { Db } from '../db/types.js';
import { chunks } from '../lib/chunks.js';

/** The `node_labels` table: the OTE labels the hub wants on nodes (kept while a node is not reported). */

/** Desired OTE labels of the given nodes, keyed `clusterId/nodeName`, each list in byte order. */
export async function labelsOfNodes(
  db: Db,
  nodes: readonly { cluster_id: number; name: string }[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const clusterIds = [...new Set(nodes.map((n) => n.cluster_id))];
  if (clusterIds.length === 0) return out;
  const wanted = new Set(nodes.map((n) => `${n.cluster_id}/${n.name}`));
  // By cluster, not by node name: a page may be every node of the fleet (pageSize 0).
  const rows = [];
  for (const part of chunks(clusterIds)) {
    rows.push(
      ...(await db
        .selectFrom('node_labels')
        .select(['cluster_id', 'node_name', 'label'])
        .where('cluster_id', 'in', part)
        .orderBy('label')
        .execute()),
    );
  }
  rows.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  for (const r of rows) {
    const key = `${r.cluster_id}/${r.node_name}`;
    if (!wanted.has(key)) continue;
    const list = out.get(key) ?? [];
    list.push(r.label);
    out.set(key, list);
  }
  return out;
}

/** The names among `names` that carry the label in the hub (reported now or not). */
export async function nodesWithLabel(db: Db, clusterId: number, names: readonly string[], label: string): Promise<string[]> {
  const rows = await db
    .selectFrom('node_labels')
    .select('node_name')
    .where('cluster_id', '=', clusterId)
    .where('node_name', 'in', [...new Set(names)])
    .where('label', '=', label)
    .execute();
  return rows.map((r) => r.node_name);
}

export async function addLabel(db: Db, clusterId: number, nodes: readonly string[], label: string, now: number): Promise<void> {
  await db
    .insertInto('node_labels')
    .values([...new Set(nodes)].map((n) => ({ cluster_id: clusterId, node_name: n, label, create_time: now })))
    .onConflict((oc) => oc.columns(['cluster_id', 'node_name', 'label']).doNothing())
    .execute();
}

export async function removeLabel(db: Db, clusterId: number, nodes: readonly string[], label: string): Promise<void> {
  await db
    .deleteFrom('node_labels')
    .where('cluster_id', '=', clusterId)
    .where('node_name', 'in', [...new Set(nodes)])
    .where('label', '=', label)
    .execute();
}

/** How many nodes of the cluster carry the label. */
export async function labelHolders(db: Db, clusterId: number, label: string): Promise<number> {
  const r = await db
    .selectFrom('node_labels')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('cluster_id', '=', clusterId)
    .where('label', '=', label)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function distinctLabels(db: Db, clusterId?: number): Promise<string[]> {
  let q = db.selectFrom('node_labels').select('label').distinct().orderBy('label');
  if (clusterId !== undefined) q = q.where('cluster_id', '=', clusterId);
  return (await q.execute()).map((r) => r.label);
}

/** A deleted cluster's node labels (explicit deletes keep both engines alike). */
export async function deleteLabelsOfCluster(db: Db, clusterId: number): Promise<void> {
  await db.deleteFrom('node_labels').where('cluster_id', '=', clusterId).execute();
}

/** The OTE labels each node of these clusters must carry, per cluster and node, labels in order. */
export async function desiredNodeLabels(db: Db, clusterIds: readonly number[]): Promise<Map<number, Record<string, string[]>>> {
  const out = new Map<number, Record<string, string[]>>();
  for (const ids of chunks(clusterIds)) {
    const rows = await db
      .selectFrom('node_labels')
      .select(['cluster_id', 'node_name', 'label'])
      .where('cluster_id', 'in', ids)
      .orderBy('node_name')
      .orderBy('label')
      .execute();
    for (const r of rows) {
      const perNode = out.get(r.cluster_id) ?? {};
      (perNode[r.node_name] ??= []).push(r.label);
      out.set(r.cluster_id, perNode);
    }
  }
  return out;
}
