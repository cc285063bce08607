import type { WebSocket } from 'ws';
import type { Logger } from '../lib/log.js';
import { Batcher } from './batcher.js';
import { LinkContext, type LinkObserver } from './context.js';
import type { ClusterFactsReader, DesiredStateContributor } from './desired-builder.js';
import type { DesiredStateBus } from './desired-bus.js';
import { CloseCode } from './protocol.js';
import { Pump } from './pump.js';
import type { Relay, RelayMessage } from './relay.js';
import { Sessions, type WorkloadIntake } from './sessions.js';
import * as store from './store.js';

export type { WorkloadIntake } from './sessions.js';

export interface LinkOptions {
  /** OTE_HEARTBEAT_GRACE, seconds. */
  readonly graceSeconds: number;
  /** The facts (name, paused, labels) desired state is placed by: the clusters domain reads them. */
  readonly clusterFacts: ClusterFactsReader;
  readonly helloTimeoutMs?: number;
  /** The safety net: recompute every local cluster and re-check every session this often. */
  readonly resyncMs?: number;
}

/**
 * The hub side of the agent protocol (API.md §11) and the real desired-state
 * bus, assembled from its parts: the sessions (sessions.ts), the desired-state
 * pump (pump.ts), the heartbeat batcher (batcher.ts) and the replica relay
 * (relay.ts). Each replica recomputes and pushes only the clusters whose
 * agents it holds; a change made here reaches the other replicas through the
 * relay (PostgreSQL NOTIFY), and a slow periodic recompute covers a lost notice.
 */
export class AgentLink implements DesiredStateBus {
  private readonly ctx: LinkContext;
  private readonly batcher: Batcher;
  private readonly sessions: Sessions;
  private readonly pump: Pump;
  private readonly contributors: DesiredStateContributor[] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly flushMs: number;

  constructor(
    db: store.Db,
    private readonly relay: Relay,
    private readonly opts: LinkOptions,
  ) {
    this.ctx = new LinkContext(db, relay);
    this.batcher = new Batcher(db);
    this.sessions = new Sessions(this.ctx, this.batcher, (id) => this.pump.schedule([id]), opts.helloTimeoutMs ?? 30_000);
    this.pump = new Pump(this.ctx, this.sessions, opts.clusterFacts, this.contributors);
    // The database copy of a heartbeat must stay well inside the grace period
    // (other replicas judge readiness by it), yet writes stay batched.
    this.flushMs = Math.max(200, Math.min(5000, opts.graceSeconds * 250));
  }

  /** Parts of the desired state that domains own (server/wiring.ts adds them). */
  addContributor(c: DesiredStateContributor): void {
    this.contributors.push(c);
  }

  /** The per-replica metrics' sink (server/metrics.ts). */
  observe(observer: LinkObserver): void {
    this.ctx.observer = observer;
  }

  onWorkloads(hook: WorkloadIntake): void {
    this.sessions.onWorkloads(hook);
  }

  get connectedClusters(): number {
    return this.sessions.size;
  }

  isConnectedHere(clusterId: number): boolean {
    return this.sessions.get(clusterId) !== undefined;
  }

  /** DesiredStateBus: call after the commit. */
  changed(clusters: 'all' | readonly number[]): void {
    this.pump.schedule(clusters);
    this.relay.publish({ kind: 'desired', clusters });
  }

  /** The cluster's token was rotated or the cluster deleted (after the commit). */
  revoke(clusterId: number): void {
    this.sessions.get(clusterId)?.close(CloseCode.tokenRevoked, 'join token revoked');
    this.relay.publish({ kind: 'revoke', cluster: clusterId });
  }

  authenticate(token: string): Promise<store.AgentCluster | undefined> {
    return store.clusterByToken(this.ctx.db, token);
  }

  attach(socket: WebSocket, cluster: store.AgentCluster): void {
    this.sessions.attach(socket, cluster);
  }

  private onRelay(msg: RelayMessage): void {
    switch (msg.kind) {
      case 'desired':
        this.pump.schedule(msg.clusters);
        return;
      case 'revoke':
        this.sessions.get(msg.cluster)?.close(CloseCode.tokenRevoked, 'join token revoked');
        return;
      case 'session': {
        const s = this.sessions.get(msg.cluster);
        if (s && s.id !== msg.session) s.close(CloseCode.replaced, 'replaced by a newer connection');
        return;
      }
    }
  }

  async start(log: Logger, resync = true): Promise<void> {
    this.ctx.log = log;
    // Alone on its database (SQLite), this process held every session: none survived its restart.
    if (!this.relay.shared) await store.releaseAllSessions(this.ctx.db);
    await this.relay.start(
      (m) => this.onRelay(m),
      () => this.safetyNet(),
      log,
    );
    const flush = setInterval(() => this.ctx.track(this.flush()), this.flushMs);
    const net = resync ? setInterval(() => this.safetyNet(), this.opts.resyncMs ?? 30_000) : null;
    this.timers = [flush, ...(net ? [net] : [])];
    for (const t of this.timers) t.unref();
  }

  /** The safety net: recompute everything held here and drop sessions the database no longer backs. */
  private safetyNet(): void {
    this.pump.schedule('all');
    this.ctx.track(this.checkSessions());
  }

  private async checkSessions(): Promise<void> {
    const local = this.sessions.list();
    if (local.length === 0) return;
    const facts = await store.sessionFacts(
      this.ctx.db,
      local.map((s) => s.cluster.id),
    );
    const silentMs = Math.max(3 * this.opts.graceSeconds, 60) * 1000;
    for (const s of local) {
      const f = facts.get(s.cluster.id);
      if (!f || f.tokenHash !== s.cluster.tokenHash) s.close(CloseCode.tokenRevoked, 'join token revoked');
      else if (f.sessionId !== s.id) s.close(CloseCode.replaced, 'replaced by a newer connection');
      else if (Date.now() - s.lastFrame > silentMs) s.close(1001, 'no heartbeat');
    }
  }

  /** Writes the batched heartbeats and acknowledgements. */
  flush(): Promise<void> {
    return this.batcher.flush(this.ctx.log);
  }

  /** Closes every agent connection (4004: redial), writes what is batched, stops listening. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.sessions.closeAll();
    await this.pump.idle();
    await this.sessions.release();
    await this.ctx.settle();
    await this.flush();
    await this.relay.stop();
  }
}
