import { randomBytes } from 'node:crypto';
import type { Caller } from '../access/roles.js';
import type { DesiredStateBus } from '../agent-link/desired-bus.js';
import { hashToken } from '../agent-link/store.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Db } from '../db/types.js';
import { Conflict, NotFound, ValidationError } from '../http/errors.js';
import type { Paging } from '../http/paging.js';
import { isLoopbackUrl } from '../lib/loopback.js';
import { nowSeconds } from '../lib/time.js';
import * as nodeLabels from '../nodes/label-store.js';
import * as nodes from '../nodes/store.js';
import { isReady } from './readiness.js';
import type { ClusterLabelBody, ClusterLabelRow, ClusterRow, JoinData, ListClustersQuery } from './schemas.js';
import * as store from './store.js';

/** The clusterLabel that means every cluster (API.md §5, §8). */
export const ALL = 'all';

/** What the cluster domain needs of the agent link: wake-ups and disconnecting a revoked agent. */
interface AgentControl extends DesiredStateBus {
  revoke(clusterId: number): void;
}

/**
 * Cluster management (API.md §5). Clusters and their labels are platform
 * infrastructure, not tenant-owned: any role ≥ 2 reads them, role 4 changes
 * them (the routes declare it), so no tenancy scope applies here.
 */
export class ClustersService {
  constructor(
    private readonly db: Db,
    private readonly agents: AgentControl,
    private readonly graceSeconds: number,
  ) {}

  async list(_caller: Caller, q: ListClustersQuery): Promise<{ rows: ClusterRow[]; total: number }> {
    const label = q.clusterLabel === undefined || q.clusterLabel === ALL ? undefined : q.clusterLabel;
    const { rows, total } = await store.listClusters(this.db, label, q);
    const labels = await store.labelsOf(
      this.db,
      rows.map((r) => r.id),
    );
    const now = nowSeconds();
    return {
      total,
      rows: rows.map((r) => ({
        clusterName: r.name,
        nodeCount: r.node_count,
        isReady: isReady(r, now, this.graceSeconds),
        paused: r.paused === 1,
        labels: labels.get(r.id) ?? [],
        createTime: r.create_time,
        lastHeartbeat: r.last_heartbeat,
      })),
    };
  }

  async addLabel(_caller: Caller, body: ClusterLabelBody): Promise<void> {
    // `clusterLabel=all` selects every cluster (the list filter, an application's placement): a label of that name could never be selected.
    if (body.clusterLabel === ALL) throw new ValidationError({ clusterLabel: '"all" is reserved: it means every cluster' });
    const ids = await this.db.transaction().execute(async (trx) => {
      const ids = await resolveNames(trx, body.clusterName);
      await store.addLabel(trx, ids, body.clusterLabel, nowSeconds());
      return ids;
    });
    this.agents.changed(ids);
  }

  async removeLabel(_caller: Caller, body: ClusterLabelBody): Promise<void> {
    const ids = await this.db.transaction().execute(async (trx) => {
      const ids = await resolveNames(trx, body.clusterName);
      await store.removeLabel(trx, ids, body.clusterLabel);
      return ids;
    });
    this.agents.changed(ids);
  }

  labels(_caller: Caller): Promise<string[]> {
    return store.distinctLabels(this.db);
  }

  async labelsOf(_caller: Caller, clusterName: string, paging: Paging): Promise<{ rows: ClusterLabelRow[]; total: number }> {
    const c = await this.mustGet(clusterName);
    const { rows, total } = await store.labelsPage(this.db, c.id, paging);
    return { rows: rows.map((r) => ({ clusterLabel: r.label, createTime: r.create_time })), total };
  }

  /** Registers a cluster; the join token is in this answer only. `hubUrl` is OTE_PUBLIC_URL. */
  async register(_caller: Caller, clusterName: string, hubUrl: string): Promise<JoinData> {
    // `DELETE /v1/cluster/label` is a route of its own: a cluster of that name could not be deleted.
    if (clusterName.toLowerCase() === 'label') throw new ValidationError({ clusterName: '"label" is reserved' });
    const token = newJoinToken();
    try {
      await store.insertCluster(this.db, clusterName, hashToken(token), nowSeconds());
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`clusterName: a cluster named "${clusterName}" already exists`);
      throw err;
    }
    return joinData(clusterName, token, hubUrl);
  }

  /** Deletes the cluster (nodes and labels with it); its agent is disconnected, its token dead. */
  async remove(_caller: Caller, clusterName: string): Promise<void> {
    const c = await this.mustGet(clusterName);
    await this.db.transaction().execute(async (trx) => {
      await nodeLabels.deleteLabelsOfCluster(trx, c.id);
      await nodes.deleteNodesOfCluster(trx, c.id);
      await store.deleteCluster(trx, c.id);
    });
    this.agents.revoke(c.id);
  }

  /** A new join token; the old one stops working and its agent is disconnected (4001). */
  async rotateToken(_caller: Caller, clusterName: string, hubUrl: string): Promise<JoinData> {
    const c = await this.mustGet(clusterName);
    const token = newJoinToken();
    await store.setTokenHash(this.db, c.id, hashToken(token));
    this.agents.revoke(c.id);
    return joinData(c.name, token, hubUrl);
  }

  async pause(_caller: Caller, clusterName: string, paused: boolean): Promise<{ clusterName: string; paused: boolean }> {
    const c = await this.mustGet(clusterName);
    await store.setPaused(this.db, c.id, paused);
    this.agents.changed([c.id]);
    return { clusterName: c.name, paused };
  }

  private async mustGet(clusterName: string): Promise<store.ClusterRecord> {
    const c = await store.findByName(this.db, clusterName);
    if (!c) throw new NotFound(`cluster "${clusterName}" not found`);
    return c;
  }
}

/** Ids of the named clusters; any unknown name is a 422 naming every one of them. */
async function resolveNames(db: Db, names: readonly string[]): Promise<number[]> {
  const found = await store.findByNames(db, names);
  const known = new Set(found.map((c) => c.name.toLowerCase()));
  const unknown = [...new Set(names.filter((n) => !known.has(n.toLowerCase())))];
  if (unknown.length > 0) {
    throw new ValidationError({ clusterName: `unknown cluster${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}` });
  }
  return found.map((c) => c.id);
}

/** 256 random bits in hex: never starts with "-", so every shell and argument parser takes it as a value. */
const newJoinToken = () => randomBytes(32).toString('hex');

/**
 * The agent's command line: the token in the environment (a command-line argument shows in
 * `ps`), and the installed `ote` command (README: installing the agent), which works outside a clone.
 */
function joinData(clusterName: string, token: string, hubUrl: string): JoinData {
  const command = `OTE_AGENT_TOKEN=${token} ote agent --hub ${hubUrl}`;
  if (!isLoopbackUrl(hubUrl)) return { clusterName, token, command, hubIsLoopback: false };
  return {
    clusterName,
    token,
    command,
    hubIsLoopback: true,
    warning:
      `the command targets ${hubUrl}, a loopback address that only the hub's own machine can reach; ` +
      'set OTE_PUBLIC_URL to the address edge clusters reach the hub at, then rotate the token for a new command',
  };
}
