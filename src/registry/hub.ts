import { LoginThrottle } from '../auth/throttle.js';
import type { Db } from '../db/types.js';
import type { Config } from '../config/config.js';
import { Unavailable } from '../http/errors.js';
import { deriveKey, loadOrCreateSecret } from '../config/secrets.js';
import { RegistryClient } from './client.js';
import { type RegistrySigningKey, loadSigningKey } from './keys.js';
import { RobotCredentials } from './robots.js';
import { RegistryTokenSigner } from './signer.js';
import { RegistryTokenService } from './token-service.js';

/** Everything the hub needs to be a registry's token server and client (API.md §10). */
export class RegistryHub {
  readonly signer: RegistryTokenSigner;
  readonly tokens: RegistryTokenService;
  readonly robots: RobotCredentials;
  /** The registry API client, or null while OTE_REGISTRY_URL is unset. */
  readonly client: RegistryClient | null;
  /** The host[:port] prefix of image addresses and the key of pull secrets, or null without a registry. */
  readonly domain: string | null;
  readonly notifySecret: string;
  private key: Promise<RegistrySigningKey> | undefined;

  constructor(config: Config, db: Db, master: string) {
    const loadKey = () =>
      (this.key ??= loadSigningKey({
        dataDir: config.OTE_DATA_DIR,
        keyFile: config.OTE_REGISTRY_TOKEN_KEY,
        certFile: config.OTE_REGISTRY_TOKEN_CERT,
      }));
    this.signer = new RegistryTokenSigner(loadKey, config.OTE_REGISTRY_SERVICE);
    this.robots = new RobotCredentials(deriveKey(master, 'registry-robots'));
    const throttle = new LoginThrottle({
      pairFailures: config.OTE_LOGIN_PAIR_FAILURES,
      pairDelay: config.OTE_LOGIN_PAIR_DELAY,
      pairMaxDelay: config.OTE_LOGIN_PAIR_MAX_DELAY,
      addressFailures: config.OTE_LOGIN_ADDRESS_FAILURES,
    });
    this.tokens = new RegistryTokenService(db, this.signer, this.robots, throttle);
    this.client = config.OTE_REGISTRY_URL ? new RegistryClient(config.OTE_REGISTRY_URL, this.signer) : null;
    this.domain = config.OTE_REGISTRY_DOMAIN ?? (config.OTE_REGISTRY_URL ? new URL(config.OTE_REGISTRY_URL).host : null);
    this.notifySecret =
      config.OTE_REGISTRY_NOTIFY_SECRET ?? loadOrCreateSecret(config.OTE_DATA_DIR, 'registry-notify.secret');
    this.certificate = async () => (await loadKey()).certificatePem;
  }

  /** PEM of the certificate whose key signs registry tokens. */
  readonly certificate: () => Promise<string>;

  /** The registry client, or 503 when the hub has no registry configured. */
  requireClient(): RegistryClient {
    if (!this.client) throw new Unavailable('registry not configured (set OTE_REGISTRY_URL)');
    return this.client;
  }
}
