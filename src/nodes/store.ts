import { type Selectable, sql } from 'kysely';
import type { NodesTable } from '../db/cluster-tables.js';
import type { Db } from '../db/types.js';
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
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('node_labels')
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

/** A deleted cluster's nodes (their labels first: `labels.deleteLabelsOfCluster`). */
export async function deleteNodesOfCluster(db: Db, clusterId: number): Promise<void> {
  await db.deleteFrom('nodes').where('cluster_id', '=', clusterId).execute();
}

/** Nodes whose last report said not Ready, for the alerts (platform-wide). */
export function notReadyNodes(db: Db) {
  return db.selectFrom('nodes').select(['name', 'cluster_id', 'update_time']).where('ready', '=', 0).execute();
}

/** Every node, ready or not (its Ready condition and its cluster's readiness, API.md §6), for /metrics. */
export async function nodeFigures(db: Db, cutoff: number): Promise<{ ready: number; notReady: number }> {
  const r = await db
    .selectFrom('nodes')
    .innerJoin('clusters', 'clusters.id', 'nodes.cluster_id')
    .select([
      sql<number>`count(*)`.as('total'),
      sql<
        number | null
      >`sum(case when nodes.ready = 1 and clusters.session_id is not null and clusters.last_heartbeat > ${cutoff} then 1 else 0 end)`.as(
        'ready',
      ),
    ])
    .executeTakeFirstOrThrow();
  const ready = Number(r.ready ?? 0);
  return { ready, notReady: Number(r.total) - ready };
}
