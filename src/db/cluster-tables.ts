import type { Generated } from 'kysely';
import type { Flag, Seconds } from './types.js';

/** Tables of migration 003 (clusters, nodes, labels; API.md §5, §6, §11). */
interface ClustersTable {
  id: Generated<number>;
  name: string;
  /** Lower-cased name: cluster names are unique case-insensitively. */
  name_key: string;
  /** sha256 (hex) of the join token; the token itself is shown once and never stored. */
  token_hash: string;
  paused: Flag;
  /** The agent connection holding the cluster (any replica), or null. */
  session_id: string | null;
  agent_version: string | null;
  last_heartbeat: Seconds | null;
  inventory_hash: string | null;
  /** Increases whenever the cluster's desired state (by hash) changes. */
  generation: Generated<number>;
  desired_hash: Generated<string>;
  acked_generation: number | null;
  ack_error: string | null;
  create_time: Seconds;
}

interface ClusterLabelsTable {
  cluster_id: number;
  label: string;
  create_time: Seconds;
}

export interface NodesTable {
  id: Generated<number>;
  cluster_id: number;
  name: string;
  os_image: string;
  kernel_version: string;
  internal_ip: string;
  cpu: number;
  memory: number;
  disk: number;
  gpu_count: number;
  gpu_memory_mib: number | null;
  ready: Flag;
  /** The Kubernetes labels as reported, JSON. */
  k8s_labels: string;
  update_time: Seconds;
}

/** The OTE label names each node must carry (desired, set through the API). */
interface NodeLabelsTable {
  cluster_id: number;
  node_name: string;
  label: string;
  create_time: Seconds;
}

export interface ClusterTables {
  clusters: ClustersTable;
  cluster_labels: ClusterLabelsTable;
  nodes: NodesTable;
  node_labels: NodeLabelsTable;
}
