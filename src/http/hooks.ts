import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Caller, Role } from '../access/roles.js';
import type { App } from './app.js';
import { Forbidden, Unauthenticated } from './errors.js';
import { recordRoute } from './route-table.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Reads `Authorization: <token>` (the seed's form) or `Authorization: Bearer <token>`. */
export function tokenFrom(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim();
  const m = /^Bearer\s+(\S+)$/i.exec(value);
  if (m) return m[1];
  // "Bearer" alone is a scheme without its token, not a token.
  return /^\S+$/.test(value) && !/^Bearer$/i.test(value) ? value : null;
}

/**
 * Every route declares who may call it (`config.allow` or `config.public`);
 * one hook checks it, so the authorization table is read off the routes.
 */
export function installAuth(app: App, authenticate: (token: string) => Promise<Caller>): void {
  app.decorateRequest('caller', null);
  app.decorateRequest('auditUser', null);
  app.decorateRequest('auditUserId', null);
  app.addHook('onRoute', (route) => {
    // The browsable API reference (its routes come from @fastify/swagger-ui) is public.
    if (route.url === '/docs' || route.url.startsWith('/docs/')) route.config = { ...route.config, public: true };
    const cfg = route.config as { allow?: unknown; public?: boolean } | undefined;
    if (!cfg?.public && !Array.isArray(cfg?.allow)) {
      throw new Error(`route ${String(route.method)} ${route.url} declares neither config.allow nor config.public`);
    }
    // The OpenAPI document requires the token globally: a public route says it needs none.
    if (cfg?.public && route.schema && !('security' in route.schema)) {
      route.schema = { ...route.schema, security: [] };
    }
    for (const method of [route.method].flat()) {
      const allow = (cfg?.allow as readonly Role[] | undefined) ?? null;
      recordRoute(app, { method, url: route.url, allow, public: cfg?.public === true });
    }
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    const cfg = req.routeOptions.config;
    if (cfg.public || !cfg.allow) return; // unknown routes reach the not-found handler
    const token = tokenFrom(req.headers.authorization);
    if (!token) throw new Unauthenticated('missing or malformed Authorization header');
    const caller = await authenticate(token);
    req.caller = caller;
    if (!cfg.allow.includes(caller.role)) {
      // A pending user is told what it waits for, not a number (API.md §2: role 0 has its own account only).
      if (caller.role === 0) {
        throw new Forbidden(
          "your registration is waiting for a system administrator's approval (role 0); until then only " +
            'your own account answers (GET/PUT/DELETE /v1/authorization, PUT /v1/user)',
        );
      }
      throw new Forbidden(`role ${caller.role} may not call ${req.method} ${req.routeOptions.url}`);
    }
  });
}

/** Audit log rows for state-changing calls, and request metrics. */
/** What the audit hook writes: one row per state-changing call. */
export interface AuditRecorder {
  record(row: {
    userId: number | null;
    userName: string | null;
    action: string;
    target: string;
    result: number;
    clientIp: string;
  }): Promise<void>;
}

export function installAuditAndMetrics(app: App, deps: { metrics: Registry; audit: AuditRecorder }): void {
  const requests = new Counter({
    name: 'ote_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [deps.metrics],
  });
  const duration = new Histogram({
    name: 'ote_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [deps.metrics],
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: reply.statusCode });
    duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    done();
  });
  // Written before the response leaves (onSend, not onResponse): a client that has its answer
  // finds the row, and a hub stopping right after a change cannot lose it.
  const audit = async (req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    if (!STATE_CHANGING.has(req.method)) return payload;
    try {
      await deps.audit.record({
        userId: req.caller?.userId ?? req.auditUserId,
        userName: req.caller?.userName ?? req.auditUser,
        action: `${req.method} ${req.routeOptions.url}`,
        target: req.url.split('?')[0],
        result: reply.statusCode,
        clientIp: req.ip,
      });
    } catch (err) {
      req.log.error({ err }, 'could not write the audit log');
    }
    return payload;
  };
  // A hook of the routes that change state only (issue #13: reads skip it, and its promise).
  // Unmatched requests (404) belong to no route and are not audited.
  app.addHook('onRoute', (route) => {
    if (route.config?.noAudit || ![route.method].flat().some((m) => STATE_CHANGING.has(m))) return;
    route.onSend = [...[route.onSend ?? []].flat(), audit];
  });
}
