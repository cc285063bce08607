import type { WebSocket } from 'ws';
import { nowSeconds } from '../lib/time.js';
import type { Batcher } from './batcher.js';
import type { DisconnectReason, LinkContext } from './context.js';
import { inventoryHash, replaceInventory } from './inventory-store.js';
import { type AgentMessage, Capability, CloseCode, type NodeReport, PROTOCOL_VERSION, type WorkloadStatus } from './protocol.js';
import { AgentSession, type SessionHandler } from './session.js';
import * as store from './store.js';

/** Application Management reads the workload status agents report (hello and heartbeats). */
export type WorkloadIntake = (clusterId: number, workloads: readonly WorkloadStatus[]) => Promise<void>;

/**
 * The agent connections of this replica and the protocol they speak (API.md
 * §11): a hello claims the cluster, heartbeats and acknowledgements are
 * batched, reported nodes and workloads are taken in.
 */
export class Sessions implements SessionHandler {
  /** Sessions that completed their hello, by cluster id. */
  private readonly held = new Map<number, AgentSession>();
  /** Every open socket, also those still waiting for a hello (closed on stop). */
  private readonly open = new Set<AgentSession>();
  private readonly workloadIntakes: WorkloadIntake[] = [];
  private stopping = false;
  private releaseOnStop: string[] = [];

  constructor(
    private readonly ctx: LinkContext,
    private readonly batcher: Batcher,
    /** A session now holds its cluster (or asked again): its full desired state goes out next. */
    private readonly onHello: (clusterId: number) => void,
    private readonly helloTimeoutMs: number,
  ) {}

  get size(): number {
    return this.held.size;
  }

  get(clusterId: number): AgentSession | undefined {
    return this.held.get(clusterId);
  }

  clusterIds(): number[] {
    return [...this.held.keys()];
  }

  list(): AgentSession[] {
    return [...this.held.values()];
  }

  onWorkloads(hook: WorkloadIntake): void {
    this.workloadIntakes.push(hook);
  }

  attach(socket: WebSocket, cluster: store.AgentCluster): void {
    this.open.add(new AgentSession(socket, cluster, this, this.helloTimeoutMs));
  }

  async onMessage(s: AgentSession, msg: AgentMessage, frameDigest?: string): Promise<void> {
    const id = s.cluster.id;
    switch (msg.type) {
      case 'hello':
        return this.hello(s, msg);
      case 'heartbeat':
        if (!s.active) return;
        this.batcher.heartbeat(id, nowSeconds());
        if (msg.nodes) await this.intake(s, msg.nodes, frameDigest);
        if (msg.workloads) await this.workloadIntake(id, msg.workloads);
        return;
      case 'ack':
        if (!s.active) return;
        this.batcher.heartbeat(id, nowSeconds());
        if (msg.ok) {
          this.batcher.ack(id, msg.generation);
          if (s.delivery && msg.generation >= s.delivery.generation) {
            this.ctx.observer.delivered((Date.now() - s.delivery.since) / 1000);
            s.delivery = null;
          }
          if (s.hadAckError) {
            s.hadAckError = false;
            await store.recordAckError(this.ctx.db, id, null);
          }
        } else {
          s.hadAckError = true;
          this.ctx.observer.applyFailed();
          // PostgreSQL text cannot hold NUL.
          const error = (msg.error ?? 'unknown error').replaceAll('\u0000', '').slice(0, 2000);
          this.ctx.log.warn(
            { cluster: s.cluster.name, generation: msg.generation, error },
            'agent could not apply the desired state',
          );
          await store.recordAckError(this.ctx.db, id, error);
        }
        return;
      case 'resync':
        if (!s.active) return;
        this.ctx.log.info({ cluster: s.cluster.name, reason: msg.reason }, 'agent asked for its full desired state');
        this.resend(s);
        return;
    }
  }

  /** The next frame to this session is its full desired state. */
  private resend(s: AgentSession): void {
    s.sentGeneration = null;
    s.lastSent = null;
    this.onHello(s.cluster.id);
  }

  private async hello(s: AgentSession, msg: Extract<AgentMessage, { type: 'hello' }>): Promise<void> {
    const id = s.cluster.id;
    if (msg.protocol !== PROTOCOL_VERSION) {
      s.close(CloseCode.protocolError, `protocol ${msg.protocol} is not supported (hub speaks ${PROTOCOL_VERSION})`);
      return;
    }
    if (s.active) return; // a second hello on one connection changes nothing
    // The claim and a changed inventory go in one transaction: one commit per hello.
    const hash = inventoryHash(msg.nodes);
    const inventory = hash === s.inventoryHash ? null : { nodes: msg.nodes, hash };
    const claimed = await store.claimSession(this.ctx.db, s.cluster, s.id, msg.agentVersion, nowSeconds(), inventory);
    if (!claimed) {
      s.close(CloseCode.tokenRevoked, 'join token revoked');
      return;
    }
    s.inventoryHash = hash;
    if (s.isClosed) {
      // Closed while claiming: it was not held yet, so release it here.
      this.ctx.track(store.releaseSession(this.ctx.db, id, s.id));
      return;
    }
    const older = this.held.get(id);
    if (older && older !== s) older.close(CloseCode.replaced, 'replaced by a newer connection');
    this.held.set(id, s);
    s.active = true;
    this.ctx.relay.publish({ kind: 'session', cluster: id, session: s.id });
    this.ctx.log.info({ cluster: s.cluster.name, agentVersion: msg.agentVersion }, 'agent connected');
    await this.intake(s, msg.nodes);
    await this.workloadIntake(id, msg.workloads);
    s.deltas = msg.capabilities?.includes(Capability.delta) ?? false;
    // The first frame after a hello is the full desired state, whatever was sent before.
    this.resend(s);
  }

  onFailure(s: AgentSession, err: unknown): void {
    this.ctx.log.error({ err, cluster: s.cluster.name }, 'could not handle an agent frame; closing the connection (1011)');
  }

  onClose(s: AgentSession): void {
    this.open.delete(s);
    if (this.held.get(s.cluster.id) !== s) return;
    this.held.delete(s.cluster.id);
    this.ctx.observer.disconnected(disconnectReason(s.closeCode));
    if (this.stopping) {
      this.releaseOnStop.push(s.id);
      return;
    }
    this.ctx.log.info({ cluster: s.cluster.name }, 'agent disconnected');
    this.ctx.track(store.releaseSession(this.ctx.db, s.cluster.id, s.id));
  }

  /**
   * Writes the node inventory only when it changed since the last write. A
   * heartbeat frame the same as the last one taken in (by digest) has the
   * same nodes: their hash is known.
   */
  private async intake(s: AgentSession, nodes: readonly NodeReport[], frameDigest?: string): Promise<void> {
    const last = s.nodesFrame;
    const hash = frameDigest !== undefined && last?.digest === frameDigest ? last.hash : inventoryHash(nodes);
    if (frameDigest !== undefined) s.nodesFrame = { digest: frameDigest, hash };
    if (hash === s.inventoryHash) return;
    await replaceInventory(this.ctx.db, s.cluster.id, nodes, hash, nowSeconds());
    s.inventoryHash = hash;
  }

  private async workloadIntake(clusterId: number, workloads: readonly WorkloadStatus[]): Promise<void> {
    for (const hook of this.workloadIntakes) {
      try {
        await hook(clusterId, workloads);
      } catch (err) {
        this.ctx.log.warn({ err, clusterId }, 'could not take in the workload status');
      }
    }
  }

  /** Closes every connection of this replica (4004: redial); their sessions are released by `release`. */
  closeAll(): void {
    this.stopping = true;
    for (const s of [...this.open]) s.close(CloseCode.hubStopping, 'hub stopping');
  }

  /** Clears the sessions `closeAll` closed, in one statement per chunk. */
  async release(): Promise<void> {
    await store
      .releaseSessions(this.ctx.db, this.releaseOnStop)
      .catch((err: unknown) => this.ctx.log.warn({ err }, 'could not release agent sessions'));
  }
}

/** The metrics label of a close code: who ended the connection, and why. */
export function disconnectReason(code: number | null): DisconnectReason {
  switch (code) {
    case CloseCode.tokenRevoked:
      return 'token';
    case CloseCode.replaced:
      return 'replaced';
    case CloseCode.protocolError:
      return 'protocol';
    case CloseCode.hubStopping:
      return 'hub_stopping';
    case 1001:
      return 'silent'; // the hub's sweep: no frame for three heartbeats
    case 1011:
      return 'error';
    case 1000:
      return 'agent_stopped';
    default:
      return 'network';
  }
}
