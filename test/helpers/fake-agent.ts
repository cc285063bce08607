import WebSocket from 'ws';
import { DesiredStateCopy } from '../../src/agent/desired-state.js';
import {
  type DeltaMessage,
  type DesiredMessage,
  type DesiredState,
  type NodeReport,
  PROTOCOL_VERSION,
  type WorkloadStatus,
} from '../../src/agent-link/protocol.js';

/**
 * A protocol-level agent: it speaks the real agent protocol (API.md §11) over
 * a real WebSocket to the real hub, without Kubernetes behind it. The real
 * agent against a kube-apiserver is tested end to end elsewhere.
 */
export interface FakeAgentOptions {
  readonly nodes?: NodeReport[];
  /** Acknowledge every desired state at once (default true). */
  readonly autoAck?: boolean;
  /** Heartbeat interval (default 300 ms); 0: none. */
  readonly heartbeatMs?: number;
  /** Send a hello at once (default true). */
  readonly hello?: boolean;
  /** Capabilities announced in the hello (default none: an agent from before deltas). */
  readonly capabilities?: string[];
  /** Changes each delta before the agent applies it (to make its hash check fail). */
  readonly tamper?: (d: DeltaMessage) => DeltaMessage;
}

export class FakeAgent {
  /** Full states received. */
  readonly desired: DesiredMessage[] = [];
  /** Deltas received (agents that announced `delta`). */
  readonly deltas: DeltaMessage[] = [];
  /** Every desired-state frame, full or delta, as received. */
  readonly frames: (DesiredMessage | DeltaMessage)[] = [];
  /** What the agent holds, assembled as the real agent does (src/agent/desired-state.ts). */
  readonly copy = new DesiredStateCopy();
  /** The state assembled from the last frame, and the resync requests sent. */
  current: { generation: number; state: DesiredState } | null = null;
  readonly resyncs: string[] = [];
  /** The close code the hub sent (or 1006), once closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];
  private heartbeat: NodeJS.Timeout | null = null;
  nodes: NodeReport[];

  private constructor(
    readonly ws: WebSocket,
    private readonly opts: FakeAgentOptions,
  ) {
    this.nodes = opts.nodes ?? [];
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.stopHeartbeats();
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    ws.on('message', (data) => {
      // ws hands a Buffer (binaryType 'nodebuffer', its default).
      let msg = JSON.parse((data as Buffer).toString()) as DesiredMessage | DeltaMessage;
      if (msg.type === 'delta' && opts.tamper) msg = opts.tamper(msg);
      if (msg.type === 'desired') this.desired.push(msg);
      else if (msg.type === 'delta') this.deltas.push(msg);
      else return;
      this.frames.push(msg);
      const taken = this.copy.take(msg);
      if (taken && 'resync' in taken) {
        this.resyncs.push(taken.resync);
        this.send({ type: 'resync', reason: taken.resync });
      } else if (taken) {
        this.current = taken;
        if (opts.autoAck ?? true) this.send({ type: 'ack', generation: msg.generation, ok: true });
      }
      this.wake();
    });
  }

  /** Dials the hub; rejects with an Error carrying `status` when the hub refuses the upgrade. */
  static connect(hubUrl: string, token: string, opts: FakeAgentOptions = {}): Promise<FakeAgent> {
    const url = `${hubUrl.replace(/^http/, 'ws')}/v1/agent/connect`;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('connect timed out'));
      }, 5000);
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        const err = Object.assign(new Error(`hub refused the upgrade: ${res.statusCode}`), { status: res.statusCode });
        res.resume();
        ws.terminate();
        reject(err);
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.once('open', () => {
        clearTimeout(timer);
        const agent = new FakeAgent(ws, opts);
        if (opts.hello ?? true) agent.hello();
        agent.startHeartbeats(opts.heartbeatMs ?? 300);
        resolve(agent);
      });
    });
  }

  hello(appliedGeneration: number | null = null, workloads: WorkloadStatus[] = []): void {
    this.copy.reset();
    const capabilities = this.opts.capabilities ? { capabilities: this.opts.capabilities } : {};
    this.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agentVersion: 'fake/1',
      appliedGeneration,
      nodes: this.nodes,
      workloads,
      ...capabilities,
    });
  }

  /** The first assembled state (full or from deltas, already held or to come) that satisfies `pred`. */
  async waitForState(
    pred: (s: { generation: number; state: DesiredState }) => boolean,
    timeoutMs = 10_000,
    what = 'a state',
  ): Promise<{ generation: number; state: DesiredState }> {
    await this.waitFor(() => this.current !== null && pred(this.current), timeoutMs, what);
    return this.current!;
  }

  /** Waits until `probe` holds after some frame (or already). */
  async waitFor(probe: () => boolean, timeoutMs = 10_000, what = 'a frame'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (probe()) return;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.map((d) => [d.type, d.generation]))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(msg: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Reports a new node list at once (a heartbeat with nodes). */
  report(nodes: NodeReport[]): void {
    this.nodes = nodes;
    this.send({ type: 'heartbeat', nodes });
  }

  startHeartbeats(ms: number): void {
    this.stopHeartbeats();
    if (ms > 0) this.heartbeat = setInterval(() => this.send({ type: 'heartbeat' }), ms);
  }

  stopHeartbeats(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** The first desired state (already received or to come) that satisfies `pred`. */
  async waitForDesired(
    pred: (m: DesiredMessage) => boolean,
    timeoutMs = 10_000,
    what = 'a desired state',
  ): Promise<DesiredMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.desired.find(pred);
      if (found) return found;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.desired.map((d) => d.generation))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The close code, bounded in time. */
  async closeCode(timeoutMs = 5000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the hub did not close the connection')), timeoutMs);
    });
    try {
      return (await Promise.race([this.closed, timeout])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.stopHeartbeats();
    this.ws.terminate();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** The HTTP status with which the hub refuses a connection with this token (or 101 when it accepts). */
export async function connectStatus(hubUrl: string, token: string): Promise<number> {
  try {
    const a = await FakeAgent.connect(hubUrl, token, { hello: false, heartbeatMs: 0 });
    a.close();
    return 101;
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === undefined) throw err;
    return status;
  }
}

/** A node report with sensible values; `o` overrides fields. */
export function nodeReport(name: string, o: Partial<NodeReport> = {}): NodeReport {
  return {
    name,
    osImage: 'Ubuntu 22.04.4 LTS',
    kernelVersion: '5.15.0-105-generic',
    internalIP: '10.0.0.10',
    cpu: 4,
    memory: 8 * 2 ** 30,
    disk: 100 * 2 ** 30,
    gpuCount: 0,
    gpuMemoryMiB: null,
    ready: true,
    labels: { 'kubernetes.io/hostname': name },
    ...o,
  };
}

/** Polls `probe` until it is true, failing after `timeoutMs` with `what`. */
export async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
