import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
import { HubConnection, type HubConnectionOptions } from '../../src/agent/hub-connection.js';
import { silentLogger } from '../../src/agent/log.js';
import type { AgentMessage, HubMessage } from '../../src/agent-link/protocol.js';
import { eventually } from '../helpers/wait.js';

interface HubOpts {
  readonly autoPong?: boolean;
  /** Refuse every upgrade with this HTTP status. */
  readonly refuseWith?: number;
  readonly port?: number;
}

/**
 * HubConnection against a scripted WebSocket server on loopback: the dialing,
 * heartbeat, backoff and close-code rules in isolation. The real hub is in
 * test/e2e/edge-clusters.test.ts.
 */
class ScriptedHub {
  readonly connections: { ws: WebSocket; req: IncomingMessage; frames: AgentMessage[]; at: number }[] = [];
  readonly server: WebSocketServer;
  refuseWith: number | null = null;

  private constructor(server: WebSocketServer) {
    this.server = server;
    server.on('connection', (ws, req) => {
      const c = { ws, req, frames: [] as AgentMessage[], at: Date.now() };
      this.connections.push(c);
      ws.on('message', (d) => c.frames.push(JSON.parse((d as Buffer).toString())));
    });
  }

  static async start(opts: HubOpts = {}): Promise<ScriptedHub> {
    let hub: ScriptedHub | null = null;
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: opts.port ?? 0,
      path: '/v1/agent/connect',
      autoPong: opts.autoPong ?? true,
      verifyClient: (_info, cb) => (hub?.refuseWith ? cb(false, hub.refuseWith) : cb(true)),
    });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    hub = new ScriptedHub(server);
    hub.refuseWith = opts.refuseWith ?? null;
    return hub;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  latest() {
    return this.connections[this.connections.length - 1];
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function setup(overrides: Partial<HubConnectionOptions> = {}, hubOpts: HubOpts = {}) {
  const hub = await ScriptedHub.start(hubOpts);
  const desired: HubMessage[] = [];
  const rejected: string[] = [];
  let hellos = 0;
  const conn = new HubConnection({
    hubUrl: hub.url,
    token: 'join-token-1',
    heartbeatMs: 50,
    log: silentLogger,
    hello: () => {
      hellos += 1;
      return { type: 'hello', protocol: 1, agentVersion: 't', appliedGeneration: null, nodes: [], workloads: [] };
    },
    heartbeat: () => ({ type: 'heartbeat', nodes: [] }),
    onDesired: (m) => desired.push(m),
    onRejected: (r) => rejected.push(r),
    backoff: { baseMs: 20, capMs: 300 },
    ...overrides,
  });
  cleanups.push(async () => {
    await conn.stop();
    await hub.close();
  });
  conn.start();
  return { hub, conn, desired, rejected, hellos: () => hellos };
}

const state = { namespaces: ['ns1'], nodeLabels: {}, pullSecrets: [], workloads: [], paused: false };

describe('HubConnection', () => {
  it('dials /v1/agent/connect with the bearer token, sends the hello first, then heartbeats', async () => {
    const { hub } = await setup();
    await eventually('three frames', () => (hub.latest()?.frames.length ?? 0) >= 3);
    const c = hub.latest();
    assert.equal(c.req.headers.authorization, 'Bearer join-token-1');
    assert.equal(c.frames[0].type, 'hello');
    assert.ok(c.frames.slice(1).every((f) => f.type === 'heartbeat'));
  });

  it('delivers desired states and skips frames it does not know', async () => {
    const { hub, desired } = await setup();
    await eventually('connected', () => hub.connections.length === 1);
    const ws = hub.latest().ws;
    ws.send('not json');
    ws.send(JSON.stringify({ type: 'something-new', x: 1 }));
    ws.send(JSON.stringify({ type: 'desired', generation: 5, state }));
    await eventually('the desired state', () => desired.length === 1);
    assert.equal(desired[0].generation, 5);
    assert.ok(desired[0].type === 'desired');
    assert.deepEqual(desired[0].state.namespaces, ['ns1']);
  });

  it('redials after the hub closes the connection, with a new hello', async () => {
    const { hub, hellos } = await setup();
    await eventually('connected', () => hub.connections.length === 1);
    hub.latest().ws.close(4004, 'hub stopping');
    await eventually('redialed', () => hub.connections.length === 2 && hub.latest().frames[0]?.type === 'hello');
    assert.equal(hellos(), 2);
  });

  it('stops, and reports why, when the hub revokes the token with close 4001', async () => {
    const { hub, rejected, conn } = await setup();
    await eventually('connected', () => hub.connections.length === 1);
    hub.latest().ws.close(4001, 'join token revoked');
    await eventually('rejected', () => rejected.length === 1);
    assert.match(rejected[0], /revoked the join token \(close 4001: join token revoked\)/);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(hub.connections.length, 1, 'no redial after 4001');
    assert.equal(conn.connected, false);
  });

  it('stops when the hub refuses the upgrade with 401, and retries other refusals', async () => {
    const { rejected } = await setup({}, { refuseWith: 401 });
    await eventually('rejected', () => rejected.length === 1);
    assert.match(rejected[0], /refused the join token \(HTTP 401\)/);

    let dials = 0;
    const busy = await setup(
      { log: { ...silentLogger, info: (_f: object | string, m?: string) => void (m === 'redialing the hub' && (dials += 1)) } },
      { refuseWith: 503 },
    );
    await eventually('redials after 503', () => dials >= 3);
    assert.deepEqual(busy.rejected, [], 'a 503 is not a token problem');
  });

  it('waits the longest backoff after being replaced by another agent (4002)', async () => {
    const { hub } = await setup();
    await eventually('connected', () => hub.connections.length === 1);
    const closedAt = Date.now();
    hub.latest().ws.close(4002, 'replaced');
    await eventually('redialed', () => hub.connections.length === 2, { timeoutMs: 3000 });
    assert.ok(hub.latest().at - closedAt >= 290, `redialed after ${hub.latest().at - closedAt} ms, not the 300 ms cap`);
  });

  it('drops a link on which nothing answers, and redials', async () => {
    const { hub } = await setup({ silenceMs: 200 }, { autoPong: false });
    await eventually('connected', () => hub.connections.length === 1);
    await eventually('a second connection after the silent one was dropped', () => hub.connections.length >= 2, {
      timeoutMs: 3000,
    });
  });

  it('keeps redialing a hub that is down, with backoff, and connects when it is back', async () => {
    const hub = await ScriptedHub.start();
    const url = hub.url;
    await hub.close();
    let dials = 0;
    const conn = new HubConnection({
      hubUrl: url,
      token: 't',
      heartbeatMs: 50,
      log: { ...silentLogger, info: (_f: object | string, m?: string) => void (m === 'redialing the hub' && (dials += 1)) },
      hello: () => ({ type: 'hello', protocol: 1, agentVersion: 't', appliedGeneration: null, nodes: [], workloads: [] }),
      heartbeat: () => ({ type: 'heartbeat' }),
      onDesired: () => {},
      onRejected: () => {},
      backoff: { baseMs: 10, capMs: 100 },
    });
    cleanups.push(() => conn.stop());
    conn.start();
    await eventually('several redials', () => dials >= 4);
    assert.equal(conn.connected, false);
    const back = await ScriptedHub.start({ port: Number(new URL(url).port) });
    cleanups.push(() => back.close());
    await eventually('connected to the hub once it is back', () => back.latest()?.frames[0]?.type === 'hello');
  });

  it('speaks wss to a hub whose certificate a private CA (--ca) signed, and not without it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-wss-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=hub',
        '-keyout',
        key,
        '-out',
        cert,
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) });
    const wss = new WebSocketServer({ server, path: '/v1/agent/connect' });
    const hellos: string[] = [];
    wss.on('connection', (ws) => ws.on('message', (d) => hellos.push(JSON.parse((d as Buffer).toString()).type)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const hubUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dial = (ca?: string) => {
      const warnings: string[] = [];
      const conn = new HubConnection({
        hubUrl,
        token: 't',
        ca,
        heartbeatMs: 1000,
        log: { ...silentLogger, warn: (f: object | string) => void warnings.push(String((f as { error?: string }).error ?? '')) },
        hello: () => ({ type: 'hello', protocol: 1, agentVersion: 't', appliedGeneration: null, nodes: [], workloads: [] }),
        heartbeat: () => ({ type: 'heartbeat' }),
        onDesired: () => {},
        onRejected: () => {},
        backoff: { baseMs: 20, capMs: 100 },
      });
      cleanups.push(() => conn.stop());
      conn.start();
      return { conn, warnings };
    };
    const untrusted = dial();
    await eventually('a certificate error', () => untrusted.warnings.some((w) => /self.signed|certificate/i.test(w)));
    assert.equal(untrusted.conn.connected, false);
    await untrusted.conn.stop();
    const trusted = dial(fs.readFileSync(cert, 'utf8'));
    await eventually('connected over wss with the CA', () => trusted.conn.connected && hellos.includes('hello'));
  });
});
