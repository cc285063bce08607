import Compile from 'typebox/compile';
import WebSocket from 'ws';
import { type AgentMessage, CloseCode, HubMessage } from '../agent-link/protocol.js';
import { type BackoffPolicy, DIAL_BACKOFF, backoffDelay } from './backoff.js';
import type { Logger } from './log.js';

const checkHubMessage = Compile(HubMessage);

export interface HubConnectionOptions {
  /** The hub's base URL (http(s)://host[:port][/prefix]). */
  readonly hubUrl: string;
  readonly token: string;
  /** PEM of the CA that signed the hub's certificate (wss), when not a public one. */
  readonly ca?: string | Buffer;
  readonly heartbeatMs: number;
  readonly log: Logger;
  /**
   * Awaited on every open before the hello: the agent dials the hub first (a refused token
   * ends it before any Kubernetes call) and reads its cluster only once the hub answered.
   */
  readonly beforeHello?: () => Promise<void>;
  /** The first frame of every connection (a full resync). */
  readonly hello: () => AgentMessage;
  /** Every heartbeat carries the full inventory. */
  readonly heartbeat: () => AgentMessage;
  /** A full desired state, or (to an agent that announced `delta` in its hello) a delta. */
  readonly onDesired: (msg: HubMessage) => void;
  /** The hub refused the join token (HTTP 401/403 or close 4001): redialing cannot help. */
  readonly onRejected: (reason: string) => void;
  readonly backoff?: BackoffPolicy;
  /** No frame or pong for this long drops the link (default: 3 heartbeats, at least 15 s). */
  readonly silenceMs?: number;
}

/** `http://hub/x` → `ws://hub/x/v1/agent/connect`. */
export function connectUrl(hubUrl: string): string {
  const u = new URL(hubUrl);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(`--hub: unsupported scheme ${u.protocol}`);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/agent/connect`;
  u.search = '';
  u.hash = '';
  return u.toString();
}

/**
 * The agent's one outbound WebSocket to the hub. It sends the hello first,
 * heartbeats every interval, pings to notice a dead link, and redials with
 * capped, fully jittered exponential backoff after any close — except when
 * the hub rejects the token, which it reports instead of redialing forever.
 */
export class HubConnection {
  private readonly url: string;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private redialTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastSeen = 0;

  constructor(private readonly opts: HubConnectionOptions) {
    this.url = connectUrl(opts.hubUrl);
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.dial();
  }

  /** Sends a frame if connected; false when it was dropped (the next hello resyncs). */
  send(msg: AgentMessage): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  /** Closes the link for good (agent shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.redialTimer) clearTimeout(this.redialTimer);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'agent stopping');
    });
  }

  private dial(): void {
    if (this.stopped) return;
    const { log } = this.opts;
    const ws = new WebSocket(this.url, {
      headers: { authorization: `Bearer ${this.opts.token}` },
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      handshakeTimeout: 15_000,
      maxPayload: 64 * 1024 * 1024,
    });
    this.ws = ws;
    let rejected: string | null = null;
    let opened = false;
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      if (status === 401 || status === 403) rejected = `the hub refused the join token (HTTP ${status})`;
      else log.warn({ status }, 'hub did not accept the connection');
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      opened = true;
      this.lastSeen = Date.now();
      log.info({ url: this.url }, 'connected to the hub');
      (this.opts.beforeHello?.() ?? Promise.resolve()).then(
        () => {
          if (this.ws !== ws || ws.readyState !== WebSocket.OPEN) return;
          this.lastSeen = Date.now();
          this.send(this.opts.hello());
          this.startHeartbeats(ws);
        },
        (err: unknown) => {
          log.warn({ error: (err as Error).message }, 'not ready to report to the hub');
          ws.terminate();
        },
      );
    });
    ws.on('message', (data, isBinary) => {
      this.lastSeen = Date.now();
      this.receive(data as Buffer, isBinary);
    });
    ws.on('pong', () => {
      this.lastSeen = Date.now();
    });
    ws.on('error', (err) => {
      if (!rejected) log.warn({ error: err.message }, 'hub connection error');
    });
    ws.on('close', (code, reasonBuf) => {
      this.stopHeartbeats();
      if (this.ws === ws) this.ws = null;
      const reason = reasonBuf.toString('utf8');
      if (code === CloseCode.tokenRevoked)
        rejected = `the hub revoked the join token (close ${code}${reason ? `: ${reason}` : ''})`;
      if (this.stopped) return;
      if (rejected) {
        this.stopped = true;
        this.opts.onRejected(rejected);
        return;
      }
      if (opened) log.warn({ code, reason }, 'disconnected from the hub; the cluster stays as it is');
      this.scheduleRedial(code);
    });
  }

  private receive(data: Buffer, isBinary: boolean): void {
    let msg: unknown;
    try {
      msg = isBinary ? undefined : JSON.parse(data.toString('utf8'));
    } catch {
      msg = undefined;
    }
    if (!checkHubMessage.Check(msg)) {
      // A newer hub may send frames this agent does not know: skip them.
      this.opts.log.warn('ignored a frame that is not a known hub message');
      return;
    }
    // A desired state means the link works end to end: later redials start quick again.
    this.attempt = 0;
    this.opts.onDesired(msg);
  }

  private scheduleRedial(code: number): void {
    // Replaced by another agent of the same cluster: two agents would take turns; wait the longest.
    const policy = this.opts.backoff ?? DIAL_BACKOFF;
    const delay = code === CloseCode.replaced ? policy.capMs : backoffDelay(policy, this.attempt++);
    this.opts.log.info({ inMs: delay }, 'redialing the hub');
    this.redialTimer = setTimeout(() => {
      this.redialTimer = null;
      this.dial();
    }, delay);
  }

  private startHeartbeats(ws: WebSocket): void {
    this.stopHeartbeats();
    const every = this.opts.heartbeatMs;
    // No frame or pong for 3 intervals (at least 15 s): the link is dead even if TCP has not noticed.
    const deadAfter = this.opts.silenceMs ?? Math.max(3 * every, 15_000);
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastSeen > deadAfter) {
        this.opts.log.warn({ silentMs: Date.now() - this.lastSeen }, 'no answer from the hub; dropping the connection');
        ws.terminate();
        return;
      }
      this.send(this.opts.heartbeat());
      ws.ping();
    }, every);
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }
}
