import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/app.js';
import { Unauthenticated } from '../http/errors.js';
import { tokenFrom } from '../http/hooks.js';
import type { AgentLink } from './link.js';
import type { AgentCluster } from './store.js';

/** Frames are JSON documents of a cluster's nodes and workloads: generous, bounded. */
const MAX_FRAME = 16 * 1024 * 1024;

/** `GET /v1/agent/connect`: the agent's WebSocket (API.md §11), authenticated by its join token. */
export async function agentLinkRoutes(app: App, deps: { link: AgentLink }): Promise<void> {
  const { link } = deps;
  await app.register(websocket, {
    options: { maxPayload: MAX_FRAME },
    // A malformed frame or a peer's hang-up is the client's doing: info, no stack (the default
    // logged it at error level with one). The session sees the close and cleans up.
    errorHandler: (err, socket, req) => {
      req.log.info({ reason: err.message, code: (err as { code?: string }).code }, 'agent WebSocket error; connection dropped');
      socket.terminate();
    },
    // Close every agent with 4004 ("hub stopping, redial") and write what is batched.
    preClose: async function closeAgents(this: App) {
      await link.stop();
      await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
    },
  });
  app.addHook('onReady', async () => {
    await link.start(app.log);
  });

  const clusters = new WeakMap<FastifyRequest, AgentCluster>();
  app.get(
    '/v1/agent/connect',
    {
      websocket: true,
      // The join token, not a login token: checked here, before the upgrade, so a bad one is a plain 401.
      config: { public: true },
      preValidation: async (req) => {
        const token = tokenFrom(req.headers.authorization);
        const cluster = token ? await link.authenticate(token) : undefined;
        if (!cluster) throw new Unauthenticated('invalid or revoked join token');
        clusters.set(req, cluster);
      },
    },
    (socket, req) => {
      const cluster = clusters.get(req);
      if (!cluster) {
        socket.close(1011, 'internal error');
        return;
      }
      link.attach(socket, cluster);
    },
  );
}
