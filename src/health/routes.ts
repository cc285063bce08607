import type { Registry } from 'prom-client';
import type { DatabaseHandle } from '../db/index.js';
import type { App } from '../http/app.js';

/** Liveness, readiness, metrics and the API document: public, not enveloped (API.md §1). */
export async function healthRoutes(app: App, deps: { db: DatabaseHandle; metrics: Registry }): Promise<void> {
  const { db, metrics } = deps;
  const hide = { hide: true };

  app.get('/healthz', { config: { public: true }, schema: hide }, async () => ({ code: 200, message: 'alive' }));

  app.get('/readyz', { config: { public: true }, schema: hide }, async (req, reply) => {
    try {
      await db.ping();
      return { code: 200, message: 'ready' };
    } catch (err) {
      req.log.warn({ err }, 'readiness check: database unreachable');
      return reply.code(503).send({ code: 503, message: 'database unreachable', requestId: req.id });
    }
  });

  app.get('/metrics', { config: { public: true }, schema: hide }, async (_req, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });

  app.get('/v1/openapi.json', { config: { public: true }, schema: hide }, async () => app.swagger());
}
