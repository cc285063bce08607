import { timingSafeEqual } from 'node:crypto';
import Type from 'typebox';
import type { DatabaseHandle } from '../db/index.js';
import type { App } from '../http/app.js';
import { Done, done } from '../http/envelope.js';
import { Unauthenticated } from '../http/errors.js';
import type { RegistryHub } from './hub.js';
import { EVENTS_MEDIA_TYPE, EventsEnvelope, recordEvents } from './notifications.js';

const TokenQuery = Type.Object({
  service: Type.Optional(Type.String({ maxLength: 255 })),
  scope: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100 })),
  account: Type.Optional(Type.String({ maxLength: 255 })),
  client_id: Type.Optional(Type.String({ maxLength: 255 })),
  offline_token: Type.Optional(Type.String({ maxLength: 10 })),
});

// The token specification's own shape, not the envelope (API.md §1).
const TokenReply = Type.Object({
  token: Type.String(),
  access_token: Type.String(),
  expires_in: Type.Integer(),
  issued_at: Type.String(),
});

/** The registry's token-auth server, its certificate, and its event intake (API.md §10). */
export async function registryRoutes(app: App, deps: { registry: RegistryHub; db: DatabaseHandle }): Promise<void> {
  const { registry, db } = deps;
  const tags = ['registry'];
  // Surfaces an unreadable OTE_REGISTRY_TOKEN_KEY/CERT (or data directory) at start, not at first pull.
  await registry.certificate();

  app.addContentTypeParser(EVENTS_MEDIA_TYPE, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.get(
    '/v1/registry/token',
    { config: { public: true }, schema: { tags, querystring: TokenQuery, response: { 200: TokenReply } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const credentials = basicCredentials(req.headers.authorization);
      if (credentials === 'malformed') {
        reply.header('www-authenticate', 'Basic realm="ote registry"');
        throw new Unauthenticated('malformed Basic credentials');
      }
      try {
        return await registry.tokens.issue(credentials, req.query.scope ?? [], req.ip);
      } catch (err) {
        if (err instanceof Unauthenticated) reply.header('www-authenticate', 'Basic realm="ote registry"');
        throw err;
      }
    },
  );

  app.get(
    '/v1/registry/certificate',
    { config: { public: true }, schema: { tags, response: { 200: Type.String() } } },
    async (_req, reply) => {
      reply.type('application/x-pem-file');
      return registry.certificate();
    },
  );

  app.post(
    '/v1/registry/notifications',
    // The registry posts on every push: machine traffic, kept out of the humans' audit log.
    {
      config: { public: true, noAudit: true },
      schema: { tags, body: EventsEnvelope, response: { 200: Done } },
      onRequest: async (req) => {
        if (!secretMatches(req.headers.authorization, registry.notifySecret)) {
          throw new Unauthenticated('wrong or missing notification secret');
        }
      },
    },
    async (req) => {
      const n = await recordEvents(db.kysely, req.body, req.log);
      req.log.debug({ events: req.body.events.length, recorded: n }, 'registry events');
      return done();
    },
  );
}

/** `Basic base64(user:password)` → credentials; null without a header; 'malformed' for anything else. */
function basicCredentials(header: string | undefined): { user: string; password: string } | null | 'malformed' {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!m) return 'malformed';
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return 'malformed';
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

function secretMatches(header: string | undefined, secret: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '');
  if (!m) return false;
  const got = Buffer.from(m[1]);
  const want = Buffer.from(secret);
  return got.length === want.length && timingSafeEqual(got, want);
}
