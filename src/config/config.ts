import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { isLoopbackHost, isLoopbackUrl } from '../lib/loopback.js';
import { PASSWORD_RE, USER_NAME_RE } from '../lib/validation.js';

/** Every setting of the hub, from `OTE_*` variables (CLI flags may override). */
export const ConfigSchema = Type.Object({
  OTE_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  OTE_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  OTE_DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  OTE_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  OTE_ADMIN_USER: Type.String({ pattern: USER_NAME_RE.source, default: 'admin' }),
  OTE_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8, maxLength: 20, pattern: PASSWORD_RE.source })),
  OTE_SECRET_KEY: Type.Optional(Type.String({ minLength: 32 })),
  OTE_JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  OTE_TOKEN_TTL: Type.Integer({ minimum: 60, maximum: 7 * 86400, default: 3600 }),
  OTE_REGISTRY_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  OTE_REGISTRY_DOMAIN: Type.Optional(Type.String({ minLength: 1 })),
  OTE_HEARTBEAT_GRACE: Type.Integer({ minimum: 1, maximum: 86400, default: 40 }),
  OTE_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  OTE_REGISTRY_NOTIFY_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  OTE_ALERT_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  OTE_REGISTRY_SERVICE: Type.String({ minLength: 1, default: 'ote-registry' }),
  OTE_REGISTRY_TOKEN_KEY: Type.Optional(Type.String({ minLength: 1 })),
  OTE_REGISTRY_TOKEN_CERT: Type.Optional(Type.String({ minLength: 1 })),
  OTE_LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Consecutive failures of one (user name, address) pair before it must wait. */
  OTE_LOGIN_PAIR_FAILURES: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  /** The first wait, in seconds; it doubles per further failure up to the cap. */
  OTE_LOGIN_PAIR_DELAY: Type.Number({ minimum: 0.01, maximum: 3600, default: 1 }),
  OTE_LOGIN_PAIR_MAX_DELAY: Type.Number({ minimum: 0.01, maximum: 86400, default: 300 }),
  /** Failures a minute from one address before the address is throttled. */
  OTE_LOGIN_ADDRESS_FAILURES: Type.Integer({ minimum: 1, maximum: 100000, default: 30 }),
  /**
   * Seconds a client has to send a whole request (headers and body); a socket that
   * trickles one (slow loris) is closed with 408 within this plus a quarter of it.
   */
  OTE_REQUEST_TIMEOUT: Type.Integer({ minimum: 1, maximum: 3600, default: 20 }),
  /** Days audit log rows are kept; older ones are pruned. */
  OTE_AUDIT_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 36500, default: 180 }),
  /** Failures of one user name from any addresses within the window (seconds) after which... */
  OTE_LOGIN_NAME_FAILURES: Type.Integer({ minimum: 1, maximum: 100000, default: 20 }),
  OTE_LOGIN_NAME_WINDOW: Type.Integer({ minimum: 1, maximum: 86400, default: 900 }),
  /** ...that name takes at most one attempt per this many seconds. */
  OTE_LOGIN_NAME_INTERVAL: Type.Number({ minimum: 0.01, maximum: 3600, default: 10 }),
  /** Trust X-Forwarded-For (only behind a proxy you run). */
  OTE_TRUST_PROXY: Type.Boolean({ default: false }),
});

export type Config = Static<typeof ConfigSchema>;

/** Thrown for a configuration value that does not fit; the message names the variable. */
export class ConfigError extends Error {}

const MESSAGES: Partial<Record<keyof Config, string>> = {
  OTE_ADMIN_PASSWORD: 'must be 8-20 characters with at least one uppercase letter, one lowercase letter and one digit',
  OTE_ADMIN_USER: 'must start with a letter, then up to 31 letters, digits, "_", "." or "-"',
  OTE_DATABASE_URL: 'must be a postgres:// URL (leave it unset for the embedded SQLite database)',
  // ajv's own words for these ("must be equal to constant") do not say what is allowed.
  OTE_LOG_LEVEL: 'must be one of fatal, error, warn, info, debug, trace, silent',
  OTE_TRUST_PROXY: 'must be true or false',
};

/** Reads the configuration from an environment (plus overrides) and validates it. */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: Partial<Record<keyof Config, string>> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = overrides[key as keyof Config] ?? env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const unknown = Object.keys(env).filter((k) => k.startsWith('OTE_') && !(k in ConfigSchema.properties));
  // Before Default/Convert, which change `raw` in place.
  const bad = new Map<string, string>(numberTextErrors(raw));
  const withDefaults = Value.Default(ConfigSchema, raw);
  const converted = Value.Convert(ConfigSchema, withDefaults) as Record<string, unknown>;
  for (const e of Value.Errors(ConfigSchema, converted)) {
    const name = e.instancePath.replace(/^\//, '');
    if (!bad.has(name)) bad.set(name, MESSAGES[name as keyof Config] ?? e.message);
  }
  if (bad.size > 0) {
    const lines = [...bad].map(([name, why]) => `${name}: ${why}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  if (unknown.length > 0) {
    // A typo in a variable name would silently leave the default in force: say so.
    process.emitWarning(`unknown configuration variables ignored: ${unknown.join(', ')}`);
  }
  return converted as Config;
}

// Value.Convert truncates "1.5" to 1 and reads "0x50" as 80: a number must be written plainly.
const NUMBER_TEXT = { integer: /^-?[0-9]+$/, number: /^-?[0-9]+(\.[0-9]+)?$/ } as const;

function* numberTextErrors(raw: Record<string, unknown>): Iterable<[string, string]> {
  for (const [name, value] of Object.entries(raw)) {
    const type = (ConfigSchema.properties as Record<string, { type?: unknown }>)[name]?.type;
    if (typeof value !== 'string' || (type !== 'integer' && type !== 'number')) continue;
    if (!NUMBER_TEXT[type].test(value.trim())) {
      yield [name, type === 'integer' ? 'must be a whole number' : 'must be a decimal number'];
    }
  }
}

/** The address agents and registries use to reach the hub. */
export function publicUrl(config: Config, boundPort?: number): string {
  if (config.OTE_PUBLIC_URL) return config.OTE_PUBLIC_URL.replace(/\/+$/, '');
  const host = config.OTE_HOST === '0.0.0.0' || config.OTE_HOST === '::' ? '127.0.0.1' : config.OTE_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${boundPort ?? config.OTE_PORT}`;
}

/**
 * Listening where other machines can connect while the join commands name a loopback (or
 * merely guessed) address: every agent started with such a command would fail to dial.
 */
export function publicUrlWarning(config: Config, boundPort?: number): string | null {
  if (isLoopbackHost(config.OTE_HOST)) return null;
  const url = publicUrl(config, boundPort);
  if (isLoopbackUrl(url)) {
    return (
      `OTE_PUBLIC_URL ${config.OTE_PUBLIC_URL ? 'is' : 'is unset, so it defaults to'} ${url}, a loopback address, while the hub ` +
      `listens on ${config.OTE_HOST}: the join commands of POST /v1/cluster and the registry token realm name it, and no ` +
      'edge cluster can reach it. Set OTE_PUBLIC_URL (or --public-url) to the address agents dial, e.g. https://hub.example.com'
    );
  }
  if (!config.OTE_PUBLIC_URL) {
    return (
      `OTE_PUBLIC_URL is unset: join commands and the registry token realm use ${url}. If edge clusters reach the hub ` +
      'at another address (a DNS name, a proxy, TLS), set OTE_PUBLIC_URL (or --public-url) to it'
    );
  }
  return null;
}
