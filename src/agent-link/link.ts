import type { WebSocket } from 'ws';
import { nowSeconds } from '../lib/time.js';
import type { DesiredStateBus } from './desired-bus.js';
import { type DesiredStateContributor, buildDesired } from './desired-builder.js';
import {
  type AgentMessage,
  CloseCode,
  type DesiredMessage,
  type NodeReport,
  PROTOCOL_VERSION,
  type WorkloadStatus,
} from './protocol.js';
import type { Relay, RelayMessage } from './relay.js';
import { AgentSession, type SessionHandler } from './session.js';
import * as store from './store.js';
import type { Db } from '../db/types.js';

export interface LinkOptions {
  /** OTE_HEARTBEAT_GRACE, seconds. */
  readonly graceSeconds: number;
  readonly helloTimeoutMs?: number;
  /** The safety net: recompute every local cluster and re-check every session this often. */
  readonly resyncMs?: number;
}

interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Application Management reads the workload status agents report (hello and heartbeats). */
export type WorkloadIntake = (clusterId: number, workloads: readonly WorkloadStatus[]) => Promise<void>;

/**
 * The hub side of the agent protocol (API.md §11) and the real desired-state
 * bus. Each replica recomputes and pushes only the clusters whose agents it
 * holds; a change made here reaches the other replicas through the relay
 * (PostgreSQL NOTIFY), and a slow periodic recompute covers a lost notice.
 */
export class AgentLink implements DesiredStateBus, SessionHandler {
  /** Sessions that completed their hello, by cluster id. */
  private readonly sessions = new Map<number, AgentSession>();
  /** Every open socket, also those still waiting for a hello (closed on stop). */
  private readonly open = new Set<AgentSession>();
  private readonly contributors: DesiredStateContributor[] = [];
  private readonly workloadIntakes: WorkloadIntake[] = [];
  private heartbeats = new Map<number, number>();
  private acks = new Map<number, number>();
  private pending: Set<number> | 'all' | null = null;
  private running: Promise<void> | null = null;
  private readonly background = new Set<Promise<unknown>>();
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private releaseOnStop: string[] = [];
  private log: Logger = quiet;
  private readonly flushMs: number;

  constructor(
    private readonly db: Db,
    private readonly relay: Relay,
    private readonly opts: LinkOptions,
  ) {
    // The database copy of a heartbeat must stay well inside the grace period
    // (other replicas judge readiness by it), yet writes stay batched.
    this.flushMs = Math.max(200, Math.min(5000, opts.graceSeconds * 250));
  }

  /** Registry, Application Management: parts of the desired state that other domains own. */
  addContributor(c: DesiredStateContributor): void {
    this.contributors.push(c);
  }

  onWorkloads(hook: WorkloadIntake): void {
    this.workloadIntakes.push(hook);
  }

  get connectedClusters(): number {
    return this.sessions.size;
  }

  isConnectedHere(clusterId: number): boolean {
    return this.sessions.has(clusterId);
  }

  // --- DesiredStateBus ---

  changed(clusters: 'all' | readonly number[]): void {
    this.schedule(clusters);
    this.relay.publish({ kind: 'desired', clusters });
  }

  /** The cluster's token was rotated or the cluster deleted (after the commit). */
  revoke(clusterId: number): void {
    this.sessions.get(clusterId)?.close(CloseCode.tokenRevoked, 'join token revoked');
    this.relay.publish({ kind: 'revoke', cluster: clusterId });
  }

  // --- connections ---

  authenticate(token: string): Promise<store.AgentCluster | undefined> {
    return store.clusterByToken(this.db, token);
  }

  attach(socket: WebSocket, cluster: store.AgentCluster): void {
    const s = new AgentSession(socket, cluster, this, this.opts.helloTimeoutMs ?? 30_000);
    this.open.add(s);
  }

  async onMessage(s: AgentSession, msg: AgentMessage): Promise<void> {
    const id = s.cluster.id;
    switch (msg.type) {
      case 'hello': {
        if (msg.protocol !== PROTOCOL_VERSION) {
          s.close(CloseCode.protocolError, `protocol ${msg.protocol} is not supported (hub speaks ${PROTOCOL_VERSION})`);
          return;
        }
        if (s.active) return; // a second hello on one connection changes nothing
        // The claim and a changed inventory go in one transaction: one commit per hello.
        const hash = store.inventoryHash(msg.nodes);
        const inventory = hash === s.inventoryHash ? null : { nodes: msg.nodes, hash };
        const claimed = await store.claimSession(this.db, s.cluster, s.id, msg.agentVersion, nowSeconds(), inventory);
        if (!claimed) {
          s.close(CloseCode.tokenRevoked, 'join token revoked');
          return;
        }
        s.inventoryHash = hash;
        if (s.isClosed) {
          // Closed while claiming: it was not in `sessions` yet, so release it here.
          this.track(store.releaseSession(this.db, id, s.id));
          return;
        }
        const older = this.sessions.get(id);
        if (older && older !== s) older.close(CloseCode.replaced, 'replaced by a newer connection');
        this.sessions.set(id, s);
        s.active = true;
        this.relay.publish({ kind: 'session', cluster: id, session: s.id });
        this.log.info({ cluster: s.cluster.name, agentVersion: msg.agentVersion }, 'agent connected');
        await this.intake(s, msg.nodes);
        await this.workloadIntake(id, msg.workloads);
        // The first frame after a hello is the full desired state, whatever was sent before.
        s.sentGeneration = null;
        this.schedule([id]);
        return;
      }
      case 'heartbeat':
        if (!s.active) return;
        this.heartbeats.set(id, nowSeconds());
        if (msg.nodes) await this.intake(s, msg.nodes);
        if (msg.workloads) await this.workloadIntake(id, msg.workloads);
        return;
      case 'ack':
        if (!s.active) return;
        this.heartbeats.set(id, nowSeconds());
        if (msg.ok) {
          this.acks.set(id, msg.generation);
          if (s.hadAckError) {
            s.hadAckError = false;
            await store.recordAckError(this.db, id, null);
          }
        } else {
          s.hadAckError = true;
          // PostgreSQL text cannot hold NUL.
          const error = (msg.error ?? 'unknown error').replaceAll('\u0000', '').slice(0, 2000);
          this.log.warn({ cluster: s.cluster.name, generation: msg.generation, error }, 'agent could not apply the desired state');
          await store.recordAckError(this.db, id, error);
        }
        return;
    }
  }

  onFailure(s: AgentSession, err: unknown): void {
    this.log.error({ err, cluster: s.cluster.name }, 'could not handle an agent frame; closing the connection (1011)');
  }

  onClose(s: AgentSession): void {
    this.open.delete(s);
    if (this.sessions.get(s.cluster.id) !== s) return;
    this.sessions.delete(s.cluster.id);
    if (this.stopping) {
      this.releaseOnStop.push(s.id);
      return;
    }
    this.log.info({ cluster: s.cluster.name }, 'agent disconnected');
    this.track(store.releaseSession(this.db, s.cluster.id, s.id));
  }

  /** Writes the node inventory only when it changed since the last write. */
  private async intake(s: AgentSession, nodes: readonly NodeReport[]): Promise<void> {
    const hash = store.inventoryHash(nodes);
    if (hash === s.inventoryHash) return;
    await store.replaceInventory(this.db, s.cluster.id, nodes, hash, nowSeconds());
    s.inventoryHash = hash;
  }

  private async workloadIntake(clusterId: number, workloads: readonly WorkloadStatus[]): Promise<void> {
    for (const hook of this.workloadIntakes) {
      try {
        await hook(clusterId, workloads);
      } catch (err) {
        this.log.warn({ err, clusterId }, 'could not take in the workload status');
      }
    }
  }

  // --- desired state ---

  private schedule(clusters: 'all' | readonly number[]): void {
    if (clusters === 'all' || this.pending === 'all') this.pending = 'all';
    else {
      this.pending ??= new Set();
      for (const id of clusters) this.pending.add(id);
    }
    if (!this.running) {
      this.running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
    }
  }

  /** One recompute at a time; changes that arrive meanwhile are merged into the next round. */
  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const p = this.pending;
        this.pending = null;
        try {
          await this.recompute(p);
        } catch (err) {
          this.log.error({ err }, 'desired-state recompute failed; the periodic recompute retries');
        }
      }
    } finally {
      this.running = null;
    }
  }

  /** Computes the local clusters' desired states, moves changed ones to a new generation, pushes. */
  private async recompute(which: Set<number> | 'all'): Promise<void> {
    const ids = which === 'all' ? [...this.sessions.keys()] : [...which].filter((id) => this.sessions.has(id));
    if (ids.length === 0) return;
    const t0 = performance.now();
    const built = await buildDesired(this.db, ids, this.contributors);
    const t1 = performance.now();
    // What the database holds is cached per session; only new sessions need a read.
    const unknown = ids.filter((id) => this.sessions.get(id)?.knownHash === null);
    const current = unknown.length > 0 ? await store.generations(this.db, unknown) : new Map<number, { generation: number; hash: string }>();
    for (const [id, g] of current) {
      const s = this.sessions.get(id);
      if (s) [s.knownHash, s.knownGeneration] = [g.hash, g.generation];
    }
    const changed = new Map<number, string>();
    for (const [id, b] of built) if (this.sessions.get(id)?.knownHash !== b.hash) changed.set(id, b.hash);
    const bumped = changed.size > 0 ? await store.bumpGenerations(this.db, changed) : new Map<number, number>();
    const missed = [...changed.keys()].filter((id) => !bumped.has(id));
    // Another replica moved these in the meantime: take the generation it wrote.
    const reread = missed.length > 0 ? await store.generations(this.db, missed) : new Map();
    const t2 = performance.now();
    let sent = 0;
    // Clusters of a fleet mostly share one state: serialize each distinct one once.
    const json = new Map<string, string>();
    for (const [id, b] of built) {
      const s = this.sessions.get(id);
      if (!s) continue;
      const generation = bumped.get(id) ?? reread.get(id)?.generation ?? s.knownGeneration;
      if (generation === null) continue;
      [s.knownHash, s.knownGeneration] = [b.hash, generation];
      if (s.sentGeneration === generation) continue;
      let state = json.get(b.hash);
      if (state === undefined) {
        state = JSON.stringify(b.state);
        json.set(b.hash, state);
      }
      s.sendRaw(`{"type":"desired","generation":${generation},"state":${state}}`);
      s.sentGeneration = generation;
      sent++;
    }
    const ms = (a: number, b: number) => Math.round(b - a);
    this.log.debug(
      { clusters: ids.length, changed: changed.size, sent, buildMs: ms(t0, t1), generationsMs: ms(t1, t2), sendMs: ms(t2, performance.now()) },
      'desired state recomputed',
    );
  }

  // --- relay, timers ---

  private onRelay(msg: RelayMessage): void {
    switch (msg.kind) {
      case 'desired':
        this.schedule(msg.clusters);
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
    this.log = log;
    // Alone on its database (SQLite), this process held every session: none survived its restart.
    if (!this.relay.shared) await store.releaseAllSessions(this.db);
    await this.relay.start(
      (m) => this.onRelay(m),
      () => this.safetyNet(),
      log,
    );
    const flush = setInterval(() => this.track(this.flush()), this.flushMs);
    const net = resync ? setInterval(() => this.safetyNet(), this.opts.resyncMs ?? 30_000) : null;
    this.timers = [flush, ...(net ? [net] : [])];
    for (const t of this.timers) t.unref();
  }

  /** The safety net: recompute everything held here and drop sessions the database no longer backs. */
  private safetyNet(): void {
    this.schedule('all');
    this.track(this.checkSessions());
  }

  private async checkSessions(): Promise<void> {
    const local = [...this.sessions.values()];
    if (local.length === 0) return;
    const facts = await store.sessionFacts(this.db, local.map((s) => s.cluster.id));
    const silentMs = Math.max(3 * this.opts.graceSeconds, 60) * 1000;
    for (const s of local) {
      const f = facts.get(s.cluster.id);
      if (!f || f.tokenHash !== s.cluster.tokenHash) s.close(CloseCode.tokenRevoked, 'join token revoked');
      else if (f.sessionId !== s.id) s.close(CloseCode.replaced, 'replaced by a newer connection');
      else if (Date.now() - s.lastFrame > silentMs) s.close(1001, 'no heartbeat');
    }
  }

  /** Writes the batched heartbeats and acknowledgements. */
  async flush(): Promise<void> {
    const heartbeats = this.heartbeats;
    const acks = this.acks;
    if (heartbeats.size === 0 && acks.size === 0) return;
    this.heartbeats = new Map();
    this.acks = new Map();
    try {
      await store.writeBatch(this.db, 'last_heartbeat', heartbeats);
      await store.writeBatch(this.db, 'acked_generation', acks);
    } catch (err) {
      // Keep them for the next flush unless newer values arrived meanwhile.
      for (const [id, t] of heartbeats) if (!this.heartbeats.has(id)) this.heartbeats.set(id, t);
      for (const [id, g] of acks) if (!this.acks.has(id)) this.acks.set(id, g);
      this.log.warn({ err }, 'could not write agent heartbeats; retrying');
    }
  }

  private track(p: Promise<unknown>): void {
    const guarded = p.catch((err) => this.log.warn({ err }, 'agent link background write failed'));
    this.background.add(guarded);
    guarded.finally(() => this.background.delete(guarded));
  }

  /** Closes every agent connection (4004: redial), writes what is batched, stops listening. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.stopping = true;
    for (const s of [...this.open]) s.close(CloseCode.hubStopping, 'hub stopping');
    await this.running;
    await store.releaseSessions(this.db, this.releaseOnStop).catch((err) => this.log.warn({ err }, 'could not release agent sessions'));
    await Promise.allSettled([...this.background]);
    await this.flush();
    await this.relay.stop();
  }
}
