import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { CloseCode, PROTOCOL_VERSION } from '../../src/agent-link/protocol.js';
import { AgentSession, type SessionHandler } from '../../src/agent-link/session.js';

/**
 * AgentSession over a real WebSocket on loopback with a short hello timeout
 * (the hub's is 30 s): the timer rules in isolation. The protocol through the
 * real hub is in test/integration/clusters.test.ts.
 */
const HELLO_TIMEOUT_MS = 300;

describe('AgentSession hello timeout', () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const handled: string[] = [];
  const handler: SessionHandler = {
    onMessage: async (_s, msg) => {
      handled.push(msg.type);
    },
    onClose: () => {},
    onFailure: () => {},
  };
  server.on('connection', (ws) => {
    new AgentSession(ws, { id: 1, name: 'c', tokenHash: 'h', inventoryHash: null, ackError: false }, handler, HELLO_TIMEOUT_MS);
  });
  before(() => new Promise<void>((resolve) => (server.address() ? resolve() : server.once('listening', () => resolve()))));
  after(() => {
    for (const ws of server.clients) ws.terminate();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function dial(): Promise<{ ws: WebSocket; closed: Promise<number> }> {
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { ws, closed };
  }
  const within = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), ms))]);

  it('closes a connection that sends no hello with 4003', async () => {
    const { closed } = await dial();
    assert.equal(await within(closed, HELLO_TIMEOUT_MS * 10), CloseCode.protocolError);
  });

  it('keeps a connection whose hello came in time', async () => {
    const { ws, closed } = await dial();
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agentVersion: 't',
        appliedGeneration: null,
        nodes: [],
        workloads: [],
      }),
    );
    assert.equal(await within(closed, HELLO_TIMEOUT_MS * 3), 'open');
    assert.ok(handled.includes('hello'));
    ws.terminate();
  });
});
