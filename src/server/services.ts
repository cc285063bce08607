import type { Registry } from 'prom-client';
import type { AgentLink } from '../agent-link/link.js';
import type { AlertsService } from '../alerts/service.js';
import type { AppsService } from '../apps/service.js';
import type { AuditService } from '../audit/service.js';
import type { AuthService } from '../auth/service.js';
import type { TokenService } from '../auth/tokens.js';
import type { BusinessesService } from '../businesses/service.js';
import type { ClustersService } from '../clusters/service.js';
import type { Config } from '../config/config.js';
import type { DatabaseHandle } from '../db/index.js';
import type { NodesService } from '../nodes/service.js';
import type { RegistryHub } from '../registry/hub.js';
import type { RepositoryServices } from '../repository/index.js';
import type { SettingsService } from '../settings/service.js';
import type { UsersService } from '../users/service.js';

/**
 * Everything the hub is made of, built once in server/app.ts. Route plugins do
 * not see this bag: each is handed the services it needs at registration.
 */
export interface Services {
  readonly config: Config;
  readonly db: DatabaseHandle;
  readonly tokens: TokenService;
  readonly auth: AuthService;
  readonly users: UsersService;
  readonly businesses: BusinessesService;
  readonly clusters: ClustersService;
  readonly nodes: NodesService;
  /** Agent connections and the desired-state bus. */
  readonly agentLink: AgentLink;
  readonly apps: AppsService;
  readonly alerts: AlertsService;
  readonly settings: SettingsService;
  readonly audit: AuditService;
  readonly metrics: Registry;
  /** The registry's token server, event intake and API client (API.md §10). */
  readonly registry: RegistryHub;
  /** Repository management (API.md §7). */
  readonly repository: RepositoryServices;
}
