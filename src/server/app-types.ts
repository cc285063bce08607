import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Registry } from 'prom-client';
import type { DesiredStateBus } from '../agent-link/desired-bus.js';
import type { AgentLink } from '../agent-link/link.js';
import type { AlertsService } from '../alerts/service.js';
import type { AppsService } from '../apps/service.js';
import type { AuditService } from '../audit/service.js';
import type { AuthService } from '../auth/service.js';
import type { BusinessesService } from '../businesses/service.js';
import type { ClustersService } from '../clusters/service.js';
import type { NodesService } from '../nodes/service.js';
import type { TokenService } from '../auth/tokens.js';
import type { Db } from '../db/index.js';
import type { SettingsService } from '../settings/service.js';
import type { Caller, Role } from '../users/roles.js';
import type { UsersService } from '../users/service.js';
import type { RegistryHub } from '../registry/hub.js';
import type { RepositoryServices } from '../repository/index.js';
import type { Config } from './config.js';

/** Everything routes reach: built once per hub in server/app.ts. */
export interface Services {
  readonly config: Config;
  readonly db: Db;
  readonly tokens: TokenService;
  readonly auth: AuthService;
  readonly users: UsersService;
  readonly businesses: BusinessesService;
  readonly clusters: ClustersService;
  readonly nodes: NodesService;
  /** Agent connections and the real desired-state bus; `addContributor` plugs in pull secrets, workloads. */
  readonly agentLink: AgentLink;
  readonly apps: AppsService;
  readonly alerts: AlertsService;
  readonly settings: SettingsService;
  readonly audit: AuditService;
  readonly metrics: Registry;
  /** Wake-up after a committed change of desired state; replaced by the agent link. */
  desired: DesiredStateBus;
  /** The registry's token server, event intake and API client (API.md §10). */
  readonly registry: RegistryHub;
  /** Repository management (API.md §7). */
  readonly repository: RepositoryServices;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may call the route (API.md §2); checked by one hook. */
    allow?: readonly Role[];
    /** No token needed (login, registration, health, docs, registry and agent endpoints). */
    public?: boolean;
    /** Keep out of the audit log although the method changes state. */
    noAudit?: boolean;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    caller: Caller | null;
    /** The user name a public call acted for (login, registration), for the audit log. */
    auditUser: string | null;
    /** The user a public call turned out to act for (a successful login or registration). */
    auditUserId: number | null;
  }
  interface FastifyInstance {
    services: Services;
  }
}
