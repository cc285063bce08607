import type { DesiredStateBus } from '../agent-link/desired-bus.js';
import type { DatabaseHandle } from '../db/index.js';
import { RegistryHub } from '../registry/hub.js';
import type { Config } from '../config/config.js';
import { deriveKey } from '../config/secrets.js';
import type { SettingsService } from '../settings/service.js';
import { AccountsService } from './account-service.js';
import { ExternalService } from './external-service.js';
import { ImagesService } from './image-service.js';
import { ProjectsService } from './project-service.js';
import { pullSecretContributor } from './pull-secrets.js';
import { SecretBox } from './secret-box.js';

export interface RepositoryServices {
  readonly projects: ProjectsService;
  readonly images: ImagesService;
  readonly accounts: AccountsService;
  readonly external: ExternalService;
  readonly box: SecretBox;
  /** The pull secrets' part of every cluster's desired state. */
  readonly contributor: ReturnType<typeof pullSecretContributor>;
}

/** Builds the registry wiring and the repository domain from the hub's secret and database. */
export function buildRepository(
  config: Config,
  db: DatabaseHandle,
  master: string,
  deps: { settings: SettingsService; desired: DesiredStateBus },
): { registry: RegistryHub; repository: RepositoryServices } {
  const registry = new RegistryHub(config, db.kysely, master);
  const box = new SecretBox(deriveKey(master, 'registry-passwords'));
  return {
    registry,
    repository: {
      projects: new ProjectsService(db.kysely, registry, deps.settings),
      images: new ImagesService(db.kysely, registry),
      accounts: new AccountsService(db.kysely, registry),
      external: new ExternalService(db.kysely, box, deps.desired),
      box,
      contributor: pullSecretContributor(registry, box),
    },
  };
}
