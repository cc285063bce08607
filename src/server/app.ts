import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { AgentLink } from '../agent-link/link.js';
import { PgRelay, localRelay } from '../agent-link/relay.js';
import { agentLinkRoutes } from '../agent-link/routes.js';
import { alertsRoutes } from '../alerts/routes.js';
import { AlertsService } from '../alerts/service.js';
import { appsRoutes } from '../apps/routes.js';
import { AppsService } from '../apps/service.js';
import { DbStatusReader } from '../apps/status.js';
import { auditRoutes } from '../audit/routes.js';
import { AuditService } from '../audit/service.js';
import { authRoutes } from '../auth/routes.js';
import { AuthService } from '../auth/service.js';
import { DbThrottleStore } from '../auth/throttle-store.js';
import { LoginThrottle } from '../auth/throttle.js';
import { TokenService } from '../auth/tokens.js';
import { businessesRoutes } from '../businesses/routes.js';
import { BusinessesService } from '../businesses/service.js';
import { holdApproved } from '../businesses/store.js';
import { clustersRoutes } from '../clusters/routes.js';
import { ClustersService } from '../clusters/service.js';
import { clusterFacts } from '../clusters/store.js';
import type { Config } from '../config/config.js';
import { deriveKey, loadOrCreateSecret } from '../config/secrets.js';
import { type DatabaseHandle, openDatabase } from '../db/index.js';
import { healthRoutes } from '../health/routes.js';
import type { App } from '../http/app.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from '../http/error-handler.js';
import { installAuditAndMetrics, installAuth } from '../http/hooks.js';
import { installJsonBodies } from '../http/json-body.js';
import { installOpenApi } from '../http/openapi.js';
import { consoleRoutes } from '../http/static.js';
import { validatorCompiler } from '../http/validation.js';
import { nowSeconds } from '../lib/time.js';
import { nodesRoutes } from '../nodes/routes.js';
import { NodesService } from '../nodes/service.js';
import { registryRoutes } from '../registry/routes.js';
import { buildRepository } from '../repository/index.js';
import { repositoryRoutes } from '../repository/routes.js';
import { settingsRoutes } from '../settings/routes.js';
import { SettingsService } from '../settings/service.js';
import { bootstrapAdmin } from '../users/bootstrap.js';
import { usersRoutes } from '../users/routes.js';
import { UsersService } from '../users/service.js';
import { installHubMetrics } from './metrics.js';
import { OPERATIONS, TAGS } from './operations.js';
import type { Services } from './services.js';
import { wireReactions } from './wiring.js';

export interface Hub {
  readonly app: App;
  readonly services: Services;
  /** Stops the HTTP server, timers and the database. */
  close(): Promise<void>;
}

export interface HubOptions {
  /** Pino options; tests pass `false`, a quiet level, or a stream to read what is logged. */
  readonly logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** The built console to serve at `/` (default: web/dist of this package). */
  readonly consoleDir?: string;
}

/** Opens the database, bootstraps the system administrator and assembles the Fastify app. */
export async function createHub(config: Config, opts: HubOptions = {}): Promise<Hub> {
  const app = Fastify({
    logger: opts.logger ?? { level: config.OTE_LOG_LEVEL, redact: ['req.headers.authorization'] },
    genReqId: () => randomUUID(),
    trustProxy: config.OTE_TRUST_PROXY,
    bodyLimit: 1024 * 1024,
    ...requestTimeouts(config.OTE_REQUEST_TIMEOUT),
    // Router and HTTP parser refusals in the envelope too (API.md §1).
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const db = await openDatabase({ databaseUrl: config.OTE_DATABASE_URL, dataDir: config.OTE_DATA_DIR });
  try {
    const services = buildServices(config, db);
    wireReactions(services);
    installHubMetrics(services.metrics, {
      db: db.kysely,
      graceSeconds: config.OTE_HEARTBEAT_GRACE,
      link: services.agentLink,
      auth: services.auth,
      version: hubVersion(),
    });
    await bootstrapAdmin(db.kysely, config.OTE_ADMIN_USER, config.OTE_ADMIN_PASSWORD, app.log);
    await assemble(app, services, opts.consoleDir);
    const prune = () => {
      services.tokens.prune().catch((err) => app.log.warn({ err }, 'could not prune expired sessions'));
      services.audit.prune().catch((err) => app.log.warn({ err }, 'could not prune the audit log'));
      services.throttle.prune().catch((err) => app.log.warn({ err }, 'could not prune login throttling state'));
    };
    prune();
    const pruneTimer = setInterval(prune, 10 * 60_000);
    pruneTimer.unref();
    return {
      app,
      services,
      close: async () => {
        clearInterval(pruneTimer);
        await app.close();
        await services.audit.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/**
 * A request (headers and body) must arrive within `seconds`: Fastify's default
 * (0, none) let a client hold a socket for good by sending a body slower than
 * its Content-Length (slow loris). Node checks the deadline every
 * `connectionsCheckingInterval`, so the socket is gone within 1.25 × `seconds`.
 */
export function requestTimeouts(seconds: number) {
  const ms = seconds * 1000;
  return {
    requestTimeout: ms,
    http: { headersTimeout: ms, connectionsCheckingInterval: Math.max(250, Math.round(ms / 4)) },
  } as const;
}

function buildServices(config: Config, db: DatabaseHandle): Services {
  const master = config.OTE_SECRET_KEY ?? loadOrCreateSecret(config.OTE_DATA_DIR, 'secret.key');
  const jwtKey = config.OTE_JWT_SECRET ? new TextEncoder().encode(config.OTE_JWT_SECRET) : deriveKey(master, 'jwt');
  const tokens = new TokenService(db.kysely, jwtKey, config.OTE_TOKEN_TTL);
  // In the database: replicas share one budget (API.md §3).
  const throttle = new LoginThrottle(new DbThrottleStore(db.kysely), {
    pairFailures: config.OTE_LOGIN_PAIR_FAILURES,
    pairDelay: config.OTE_LOGIN_PAIR_DELAY,
    pairMaxDelay: config.OTE_LOGIN_PAIR_MAX_DELAY,
    addressFailures: config.OTE_LOGIN_ADDRESS_FAILURES,
    nameFailures: config.OTE_LOGIN_NAME_FAILURES,
    nameWindow: config.OTE_LOGIN_NAME_WINDOW,
    nameInterval: config.OTE_LOGIN_NAME_INTERVAL,
  });
  const settings = new SettingsService(db.kysely);
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  // On PostgreSQL several replicas may serve agents: desired-state changes travel by NOTIFY.
  const relay = config.OTE_DATABASE_URL ? new PgRelay(config.OTE_DATABASE_URL, db.kysely, randomUUID()) : localRelay;
  const agentLink = new AgentLink(db.kysely, relay, { graceSeconds: config.OTE_HEARTBEAT_GRACE, clusterFacts });
  const statuses = new DbStatusReader(config.OTE_HEARTBEAT_GRACE, nowSeconds);
  // Registry token server and repository management (API.md §7, §10).
  const { registry, repository } = buildRepository(config, db, master, { settings, desired: agentLink, throttle });
  return {
    config,
    db,
    tokens,
    throttle,
    auth: new AuthService(db.kysely, tokens, throttle, settings),
    users: new UsersService(db.kysely, tokens, holdApproved),
    businesses: new BusinessesService(db.kysely, agentLink),
    apps: new AppsService(
      db.kysely,
      settings,
      { domain: registry.domain ?? undefined, managed: config.OTE_REGISTRY_URL !== undefined },
      statuses,
      agentLink,
    ),
    alerts: new AlertsService(db.kysely, settings, statuses),
    clusters: new ClustersService(db.kysely, agentLink, config.OTE_HEARTBEAT_GRACE),
    nodes: new NodesService(db.kysely, agentLink, config.OTE_HEARTBEAT_GRACE),
    agentLink,
    settings,
    audit: new AuditService(db.kysely, { retentionDays: config.OTE_AUDIT_RETENTION_DAYS, metrics }),
    metrics,
    registry,
    repository,
  };
}

/** The HTTP toolkit's hooks, the OpenAPI document, and each domain's routes with the services it needs. */
async function assemble(app: App, s: Services, consoleDir?: string): Promise<void> {
  // JSON only (API.md §1): without Fastify's text/plain parser such a body is a 415.
  app.removeContentTypeParser('text/plain');
  installJsonBodies(app);
  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app);
  installAuth(app, (token) => s.auth.authenticate(token));
  installAuditAndMetrics(app, { metrics: s.metrics, audit: s.audit });
  await installOpenApi(app, { operations: OPERATIONS, tags: TAGS, publicUrl: s.config.OTE_PUBLIC_URL });
  await app.register(healthRoutes, { db: s.db, metrics: s.metrics });
  await app.register(authRoutes, { auth: s.auth });
  await app.register(usersRoutes, { users: s.users });
  await app.register(businessesRoutes, { businesses: s.businesses });
  await app.register(clustersRoutes, { clusters: s.clusters, config: s.config });
  await app.register(nodesRoutes, { nodes: s.nodes });
  await app.register(agentLinkRoutes, { link: s.agentLink });
  await app.register(appsRoutes, { apps: s.apps });
  await app.register(alertsRoutes, { alerts: s.alerts, config: s.config });
  await app.register(settingsRoutes, { settings: s.settings });
  await app.register(auditRoutes, { audit: s.audit });
  await app.register(registryRoutes, { registry: s.registry, db: s.db });
  await app.register(repositoryRoutes, { repository: s.repository });
  // The web console at `/` (API.md §13); last, so its catch-all never shadows an API route.
  await app.register(consoleRoutes, { root: consoleDir });
}

/** The package's version (the same relative path from src/ and dist/). */
function hubVersion(): string {
  try {
    return String(
      (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: unknown }).version,
    );
  } catch {
    return 'unknown';
  }
}
