import { type Selectable, sql } from 'kysely';
import type { NodesTable } from '../db/cluster-tables.js';
import type { Db } from '../db/types.js';
import { chunks } from '../lib/chunks.js';
import { type Paging, applyPage, likeContains } from '../http/paging.js';

interface NodeFilter {
  readonly nodeLabel?: string;
  readonly clusterName?: string;
  readonly nodeName?: string;
}

/** A node row with the facts of its cluster that readiness needs. */
type NodeRecord = Omit<Selectable<NodesTable>, 'k8s_labels' | 'update_time'> & {
  cluster_name: string;
  session_id: string | null;
  last_heartbeat: number | null;
};

function filtered(db: Db, f: NodeFilter) {
  let q = db.selectFrom('nodes').innerJoin('clusters', 'clusters.id', 'nodes.cluster_id');
  if (f.clusterName !== undefined) q = q.where('clusters.name_key', '=', f.clusterName.toLowerCase());
  if (f.nodeName) q = q.where(sql<boolean>`lower(nodes.name) like ${likeContains(f.nodeName.toLowerCase())} escape '\\'`);
  if (f.nodeLabel !== undefined) {
    const label = f.nodeLabel;
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('node_labels')
          .select('node_labels.label')
          .whereRef('node_labels.cluster_id', '=', 'nodes.cluster_id')
          .whereRef('node_labels.node_name', '=', 'nodes.name')
          .where('node_labels.label', '=', label),
      ),
    );
  }
  return q;
}

/**
 * One page of nodes, the count of all matching, and how many of those are
 * ready: the node's Ready condition and its cluster's readiness (an agent
 * holds it and its heartbeat is younger than `heartbeatCutoff`).
 */
export async function listNodes(
  db: Db,
  f: NodeFilter,
  paging: Paging,
  heartbeatCutoff: number,
): Promise<{ rows: NodeRecord[]; total: number; ready: number }> {
  const counts = await filtered(db, f)
    .select((eb) => [
      eb.fn.countAll<number>().as('total'),
      eb.fn
        .sum<number>(
          sql`case when nodes.ready = 1 and clusters.session_id is not null and clusters.last_heartbeat > ${heartbeatCutoff} then 1 else 0 end`,
        )
        .as('ready'),
    ])
    .executeTakeFirstOrThrow();
  const q = filtered(db, f)
    .select([
      'nodes.id',
      'nodes.cluster_id',
      'nodes.name',
      'clusters.name as cluster_name',
      'nodes.os_image',
      'nodes.kernel_version',
      'nodes.internal_ip',
      'nodes.cpu',
      'nodes.memory',
      'nodes.disk',
      'nodes.gpu_count',
      'nodes.gpu_memory_mib',
      'nodes.ready',
      'clusters.session_id',
      'clusters.last_heartbeat',
    ])
    .orderBy('clusters.name', paging.order)
    .orderBy('nodes.name', paging.order)
    .orderBy('nodes.id', paging.order);
  const rows = await applyPage(q, paging).execute();
  return { rows, total: Number(counts.total), ready: Number(counts.ready ?? 0) };
}

/** Desired OTE labels of the given nodes, keyed `clusterId/nodeName`, each list in byte order. */
export async function labelsOfNodes(db: Db, nodes: readonly { cluster_id: number; name: string }[]): Promise<Map<string, string[]>> {
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

/** The names among `names` that the cluster's agent has reported. */
export async function existingNodes(db: Db, clusterId: number, names: readonly string[]): Promise<Set<string>> {
  const rows = await db
    .selectFrom('nodes')
    .select('name')
    .where('cluster_id', '=', clusterId)
    .where('name', 'in', [...new Set(names)])
    .execute();
  return new Set(rows.map((r) => r.name));
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

/** A deleted cluster's nodes and node labels (children first: explicit deletes keep both engines alike). */
export async function deleteNodesOfCluster(db: Db, clusterId: number): Promise<void> {
  await db.deleteFrom('node_labels').where('cluster_id', '=', clusterId).execute();
  await db.deleteFrom('nodes').where('cluster_id', '=', clusterId).execute();
}

/** Nodes whose last report said not Ready, for the alerts (platform-wide). */
export function notReadyNodes(db: Db) {
  return db.selectFrom('nodes').select(['name', 'cluster_id', 'update_time']).where('ready', '=', 0).execute();
}
