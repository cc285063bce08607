import type { Caller } from '../access/roles.js';
import type { DesiredStateBus } from '../agent-link/desired-bus.js';
import { isReady } from '../clusters/readiness.js';
import * as clusterStore from '../clusters/store.js';
import type { Db } from '../db/types.js';
import { NotFound, ValidationError } from '../http/errors.js';
import { nowSeconds } from '../lib/time.js';
import * as labelStore from './label-store.js';
import { type AddNodeLabelBody, type DeleteNodeLabelBody, type ListNodesQuery, NODE_FIELDS, type NodeRow } from './schemas.js';
import * as store from './store.js';

/**
 * Called inside the transaction that removes `nodeLabel` from the last nodes
 * of a cluster that carried it. Application Management plugs in here: an
 * application of that cluster selecting the label makes it a 409 listing
 * them, unless `deleteDeploy`, which removes those deployments there.
 * No hook is registered until Application Management exists.
 */
export type NodeLabelRemovalHook = (
  trx: Db,
  ctx: { clusterId: number; clusterName: string; nodeLabel: string; deleteDeploy: boolean },
) => Promise<void>;

const MiB = 2 ** 20;

/** Node management (API.md §6): the inventory agents report, and the OTE labels of nodes. */
export class NodesService {
  private readonly removalHooks: NodeLabelRemovalHook[] = [];

  constructor(
    private readonly db: Db,
    private readonly desired: DesiredStateBus,
    private readonly graceSeconds: number,
  ) {}

  onLastLabelRemoved(hook: NodeLabelRemovalHook): void {
    this.removalHooks.push(hook);
  }

  async list(_caller: Caller, q: ListNodesQuery): Promise<{ rows: Partial<NodeRow>[]; total: number; readyNodeCount: number }> {
    const fields = projection(q.field);
    const now = nowSeconds();
    const { rows, total, ready } = await store.listNodes(this.db, q, q, now - this.graceSeconds);
    const labels = await labelStore.labelsOfNodes(this.db, rows);
    const full = rows.map((n): NodeRow => ({
      nodeName: n.name,
      clusterName: n.cluster_name,
      operatingSystem: n.os_image,
      kernelVersion: n.kernel_version,
      ip: n.internal_ip,
      memory: n.memory,
      cpu: n.cpu,
      gpu: n.gpu_count > 0 && n.gpu_memory_mib ? Math.round(n.gpu_count * n.gpu_memory_mib * MiB) : 0,
      disk: n.disk,
      isReady: n.ready === 1 && isReady(n, now, this.graceSeconds),
      labels: labels.get(`${n.cluster_id}/${n.name}`) ?? [],
    }));
    const data = fields ? full.map((r) => Object.fromEntries(fields.map((f) => [f, r[f]])) as Partial<NodeRow>) : full;
    return { rows: data, total, readyNodeCount: ready };
  }

  async addLabel(_caller: Caller, body: AddNodeLabelBody): Promise<void> {
    const clusterId = await this.db.transaction().execute(async (trx) => {
      const clusterId = await resolveNodes(trx, body.clusterName, body.nodeName);
      await labelStore.addLabel(trx, clusterId, body.nodeName, body.nodeLabel, nowSeconds());
      return clusterId;
    });
    this.desired.changed([clusterId]);
  }

  async removeLabel(_caller: Caller, body: DeleteNodeLabelBody): Promise<void> {
    const clusterId = await this.db.transaction().execute(async (trx) => {
      // A node that left the cluster keeps its labels for its return; they can still be taken off it.
      const clusterId = await resolveNodes(trx, body.clusterName, body.nodeName, body.nodeLabel);
      const before = await labelStore.labelHolders(trx, clusterId, body.nodeLabel);
      await labelStore.removeLabel(trx, clusterId, body.nodeName, body.nodeLabel);
      if (before > 0 && (await labelStore.labelHolders(trx, clusterId, body.nodeLabel)) === 0) {
        const ctx = { clusterId, clusterName: body.clusterName, nodeLabel: body.nodeLabel, deleteDeploy: body.deleteDeploy };
        // A hook that refuses throws, and the transaction takes the removal back.
        for (const hook of this.removalHooks) await hook(trx, ctx);
      }
      return clusterId;
    });
    this.desired.changed([clusterId]);
  }

  async labels(_caller: Caller, clusterName?: string): Promise<string[]> {
    if (clusterName === undefined) return labelStore.distinctLabels(this.db);
    const c = await clusterStore.findByName(this.db, clusterName);
    if (!c) throw new NotFound(`cluster "${clusterName}" not found`);
    return labelStore.distinctLabels(this.db, c.id);
  }
}

/**
 * `field=nodeName,isReady` → the fields; unknown names are a 422 naming them.
 * Blanks around names and empty items are ignored, so `field=`, `field=,` and
 * an absent `field` all mean every field (never rows of nothing).
 */
function projection(field: string | undefined): (keyof NodeRow)[] | null {
  if (field === undefined) return null;
  const names = [
    ...new Set(
      field
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f !== ''),
    ),
  ];
  if (names.length === 0) return null;
  const unknown = names.filter((f) => !(NODE_FIELDS as string[]).includes(f));
  if (unknown.length > 0) {
    throw new ValidationError({
      field: `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${NODE_FIELDS.join(', ')})`,
    });
  }
  return names as (keyof NodeRow)[];
}

/**
 * The cluster's id, after checking that every named node was reported by it,
 * or (with `holding`) still carries that label in the hub (422 naming the rest).
 */
async function resolveNodes(db: Db, clusterName: string, nodeNames: readonly string[], holding?: string): Promise<number> {
  const c = await clusterStore.findByName(db, clusterName);
  if (!c) throw new ValidationError({ clusterName: `unknown cluster: ${clusterName}` });
  const known = await store.existingNodes(db, c.id, nodeNames);
  if (holding !== undefined) for (const n of await labelStore.nodesWithLabel(db, c.id, nodeNames, holding)) known.add(n);
  const unknown = [...new Set(nodeNames.filter((n) => !known.has(n)))];
  if (unknown.length > 0) {
    throw new ValidationError({
      nodeName: `unknown node${unknown.length > 1 ? 's' : ''} in cluster ${c.name}: ${unknown.join(', ')}`,
    });
  }
  return c.id;
}
