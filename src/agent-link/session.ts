import { createHash, randomUUID } from 'node:crypto';
import Compile from 'typebox/compile';
import type { WebSocket } from 'ws';
import type { BuiltState } from './desired-builder.js';
import { AgentMessage, CloseCode, type DesiredMessage } from './protocol.js';
import type { AgentCluster } from './store.js';

const checkMessage = Compile(AgentMessage);

/** What a session reports to the link that owns it. */
export interface SessionHandler {
  /**
   * A frame, in order. `frameDigest`: the sha256 of a heartbeat frame that
   * lists nodes (two equal digests: the very same report).
   */
  onMessage(s: AgentSession, msg: AgentMessage, frameDigest?: string): Promise<void>;
  onClose(s: AgentSession): void;
  /** Handling a frame failed (a database error): the session closes with 1011 after this. */
  onFailure(s: AgentSession, err: unknown): void;
}

/**
 * One agent connection. Frames are handled one at a time, in order, so a
 * heartbeat never overtakes the hello it follows.
 */
export class AgentSession {
  readonly id = randomUUID();
  /** Set once the hello has been handled and the session holds its cluster. */
  active = false;
  /** The generation last sent (null: nothing yet, so the next recompute sends). */
  sentGeneration: number | null = null;
  /** The agent announced the `delta` capability in its hello. */
  deltas = false;
  /** The state last sent (the base of the next delta); null: the next frame is a full state. */
  lastSent: BuiltState | null = null;
  /** The cluster's desired-state hash and generation in the database, as this replica last saw them. */
  knownHash: string | null = null;
  knownGeneration: number | null = null;
  inventoryHash: string | null;
  /** The last heartbeat frame whose nodes were taken in: its digest and their inventory hash (a repeat is not hashed again). */
  nodesFrame: { readonly digest: string; readonly hash: string } | null = null;
  /** Milliseconds of the last frame of any kind (dead-socket sweep). */
  lastFrame = Date.now();
  hadAckError: boolean;
  /** The close code, whoever closed (null while open). */
  closeCode: number | null = null;
  /** A changed desired state sent and not yet acknowledged: its generation and when it was computed (ms). */
  delivery: { generation: number; since: number } | null = null;
  private helloSeen = false;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    readonly socket: WebSocket,
    readonly cluster: AgentCluster,
    private readonly handler: SessionHandler,
    helloTimeoutMs: number,
  ) {
    this.inventoryHash = cluster.inventoryHash;
    this.hadAckError = cluster.ackError;
    this.helloTimer = setTimeout(() => this.close(CloseCode.protocolError, 'no hello'), helloTimeoutMs);
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('close', (code: number) => this.closedByPeer(code));
    socket.on('error', () => socket.terminate());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private receive(data: Buffer, isBinary: boolean): void {
    this.lastFrame = Date.now();
    let msg: unknown;
    try {
      msg = isBinary ? undefined : JSON.parse(data.toString('utf8'));
    } catch {
      msg = undefined;
    }
    if (!checkMessage.Check(msg)) {
      this.close(CloseCode.protocolError, 'not a protocol message');
      return;
    }
    const m = msg;
    if (m.type === 'hello') {
      clearTimeout(this.helloTimer);
      this.helloSeen = true;
    } else if (!this.helloSeen) {
      this.close(CloseCode.protocolError, 'the first frame must be a hello');
      return;
    }
    // Agents repeat the same heartbeat while nothing changes: a digest of the frame is cheaper than hashing its nodes.
    const digest = m.type === 'heartbeat' && m.nodes ? createHash('sha256').update(data).digest('base64') : undefined;
    this.queue = this.queue
      .then(() => (this.closed ? undefined : this.handler.onMessage(this, m, digest)))
      .catch((err) => {
        this.handler.onFailure(this, err);
        this.close(1011, 'internal error');
      });
  }

  send(msg: DesiredMessage): void {
    if (this.closed) return;
    this.socket.send(JSON.stringify(msg));
  }

  /** Sends a pre-serialized frame (fan-out builds each frame once). */
  sendRaw(frame: string): void {
    if (!this.closed) this.socket.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    clearTimeout(this.helloTimer);
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.terminate();
    }
    // A peer that never answers the close handshake must not hold the socket.
    setTimeout(() => this.socket.terminate(), 5000).unref();
    this.handler.onClose(this);
  }

  private closedByPeer(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    clearTimeout(this.helloTimer);
    this.handler.onClose(this);
  }
}
