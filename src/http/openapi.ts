import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RouteOptions } from 'fastify';
import { ROLES, type Role } from '../access/roles.js';
import type { App } from './app.js';

/**
 * The OpenAPI document (`GET /v1/openapi.json`, API.md §1): OpenAPI 3.1 built by
 * @fastify/swagger from the routes' TypeBox schemas, completed here so that it
 * cannot drift from the routes:
 * - each operation's `operationId`, summary and extra errors come from the
 *   assembly's table (`operations`); a route missing from it gets a derived
 *   name, and test/unit/openapi-document.test.ts fails until it has an entry;
 * - its description names the roles allowed, read off `config.allow`;
 * - the error statuses a route can answer are declared with the envelope:
 *   derived (400 and 500/503 everywhere, 401/403 from the auth config, 422 for
 *   any parameter or body, 404 and 414 for a path parameter, 408/413/415 where a
 *   body is read) plus what the table adds (the service's 404/409/429...);
 * - parameters and body fields with a default are not `required`;
 * - validator-only keywords (`errorMessage`) are stripped;
 * - response objects are closed (`additionalProperties: false`): the hub's
 *   serializer writes only declared fields, so a client may rely on the shape.
 */

/** What the table says of one operation; the rest is derived. */
export interface Operation {
  /** A unique name that reads as a generated method name: `listClusters`, `approveApp`. */
  readonly id: string;
  /** One line: what it does. */
  readonly summary: string;
  /** More words for the description (the roles allowed are added to it). */
  readonly details?: string;
  /** Statuses the service can answer beyond the derived ones (404 of a body id, 409, 429, 403 of a service rule...). */
  readonly errors?: readonly number[];
  /** The media type of the success answer when it is not JSON (the registry certificate is PEM). */
  readonly produces?: string;
}

/** `"GET /v1/cluster"` → its operation. */
export type OperationTable = Readonly<Record<string, Operation>>;

export interface OpenApiOptions {
  readonly operations: OperationTable;
  /** OTE_PUBLIC_URL: the document's server; without it, `/` (the hub that serves the document). */
  readonly publicUrl?: string;
  /** Tag descriptions, in the order the reference shows them. */
  readonly tags: readonly { name: string; description: string }[];
}

export const ROLE_NAMES: Readonly<Record<Role, string>> = {
  0: 'pending user',
  1: 'approved user without a business',
  2: 'business member',
  3: 'business administrator',
  4: 'system administrator',
};

/** The error envelope (API.md §1); 422 adds `fields`, some refusals name the objects concerned. */
export const ERROR_SCHEMA = {
  type: 'object',
  description: 'The error envelope: `code` equals the HTTP status; quote `requestId` when reporting a problem.',
  required: ['code', 'message', 'requestId'],
  additionalProperties: false,
  properties: {
    code: { type: 'integer', description: 'The HTTP status.' },
    message: { type: 'string', description: 'A human sentence saying what is wrong.' },
    requestId: { type: 'string', description: 'Also sent as the `x-request-id` header.' },
    fields: {
      type: 'object',
      description: '422 only: each offending field and why.',
      additionalProperties: { type: 'string' },
    },
    projects: {
      type: 'array',
      items: { type: 'string' },
      description: '409 of a project or business delete: the projects that block it.',
    },
    projectId: {
      type: 'array',
      items: { type: 'integer' },
      description: '404 of a project delete: the ids that name no project of the caller.',
    },
    applications: {
      type: 'array',
      description: '409 of a node label removal: the applications that select the label there.',
      items: {
        type: 'object',
        required: ['id', 'appName', 'businessId'],
        additionalProperties: false,
        properties: { id: { type: 'integer' }, appName: { type: 'string' }, businessId: { type: 'integer' } },
      },
    },
  },
} as const;

const ERRORS: Readonly<Record<number, [name: string, description: string]>> = {
  400: ['BadRequest', 'The request could not be read: malformed JSON, an empty JSON body, or a URL that does not decode.'],
  401: ['Unauthenticated', 'Missing, malformed, expired or revoked token (or wrong credentials).'],
  403: ['Forbidden', 'Authenticated, but the role may not do this.'],
  404: ['NotFound', 'No such object, or an object of another business (whose existence is never revealed).'],
  408: [
    'RequestTimeout',
    'The whole request did not arrive within `OTE_REQUEST_TIMEOUT` seconds (default 20); the connection is closed.',
  ],
  409: ['Conflict', 'A duplicate name, an object in use, or a state that forbids the change.'],
  413: ['PayloadTooLarge', 'The body is over 1 MiB.'],
  414: ['PathParameterTooLong', 'A path parameter is longer than 100 characters.'],
  415: [
    'UnsupportedMediaType',
    'The body is not `application/json`, or is sent with a `Content-Encoding` (the hub decodes none).',
  ],
  422: ['ValidationError', 'A parameter or body field is invalid: `fields` names each one and why.'],
  429: ['TooManyRequests', 'Too many failed attempts: wait the `Retry-After` seconds.'],
  500: ['InternalError', 'Unexpected internal error (no details leak; quote the `requestId`).'],
  503: ['Unavailable', 'A dependency (the database, the registry) is unavailable; try again.'],
};

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface RouteConfig {
  allow?: readonly Role[];
  public?: boolean;
}

/** `GET /v1/app/{id}`: the table's key (the document's path spelling) of a route. */
export const operationKey = (method: string, url: string) =>
  `${method.toUpperCase()} ${url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;

/**
 * The table's entry, or one derived from the method and path for a route the
 * table lacks (test/unit/openapi-document.test.ts fails on those: name them).
 */
export function operationFor(table: OperationTable, key: string): Operation {
  const found = table[key];
  if (found) return found;
  const [method, path] = key.split(' ');
  const verb = { GET: 'get', POST: 'create', PUT: 'update', DELETE: 'delete', PATCH: 'patch' }[method] ?? method.toLowerCase();
  const words = path
    .split('/')
    .filter((w) => w && w !== 'v1')
    .map((w) => w.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()));
  const id = verb + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return { id, summary: `${method} ${path}` };
}

/** Which roles, in words, for the description. */
export function whoMayCall(cfg: RouteConfig): string {
  if (cfg.public) return 'Anyone: no token is needed.';
  const allow = cfg.allow ?? [];
  if (ROLES.every((r) => allow.includes(r))) return 'Any valid token (roles 0-4).';
  const names = allow.map((r) => `${r} (${ROLE_NAMES[r]})`);
  return `Roles ${names.join(', ')}; other roles get 403.`;
}

/** The error statuses a route can answer: derived from its schema and auth config, plus the table's. */
export function errorStatuses(route: Pick<RouteOptions, 'method' | 'url' | 'schema'>, cfg: RouteConfig, op: Operation): number[] {
  const method = [route.method].flat()[0].toUpperCase();
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  const out = new Set<number>([400, 500, 503, ...(op.errors ?? [])]);
  if (!cfg.public) out.add(401);
  if (!cfg.public && !ROLES.every((r) => (cfg.allow ?? []).includes(r))) out.add(403);
  if (schema.params || schema.querystring || schema.body) out.add(422);
  if (/:[A-Za-z]/.test(route.url)) {
    out.add(404);
    out.add(414);
  }
  if (BODY_METHODS.has(method)) {
    // 408: a body that does not arrive within the request timeout. Headers that trickle are
    // refused before any route is known, so no body-less operation answers it.
    out.add(408);
    out.add(413);
    out.add(415);
  }
  return [...out].sort((a, b) => a - b);
}

export async function installOpenApi(app: App, opts: OpenApiOptions): Promise<void> {
  const seen = new Map<string, string>();
  // Checked as routes register, so a reused operationId stops the hub at start.
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide || route.url.startsWith('/docs') || (route as { websocket?: boolean }).websocket) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      const key = operationKey(method, route.url);
      const { id } = operationFor(opts.operations, key);
      const other = seen.get(id);
      if (other && other !== key) throw new Error(`operationId ${id} is used by ${other} and ${key}`);
      seen.set(id, key);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OTE management API',
        version: '1',
        description:
          'The management API of an OTE hub. Every answer is an envelope `{code, message, data}` (`code` = the HTTP status); ' +
          'lists add `total`. Send the token from `POST /v1/authorization` as `Authorization: <token>` (or `Bearer <token>`). ' +
          'Roles: 0 pending user, 1 approved user without a business, 2 business member, 3 business administrator, ' +
          '4 system administrator.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [
        opts.publicUrl
          ? { url: opts.publicUrl.replace(/\/+$/, ''), description: 'This hub (OTE_PUBLIC_URL)' }
          : { url: '/', description: 'The hub that serves this document' },
      ],
      tags: [...opts.tags],
      components: {
        securitySchemes: {
          token: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'The login token, as `<token>` or `Bearer <token>`.',
          },
        },
      },
      security: [{ token: [] }],
    },
    transform: ({ schema, url, route }) => {
      if (!schema || (schema as { hide?: boolean }).hide) return { schema, url };
      const method = [route.method].flat()[0].toUpperCase();
      const op = operationFor(opts.operations, operationKey(method, route.url));
      const cfg = (route.config ?? {}) as RouteConfig;
      const description = [op.details, `**Who may call:** ${whoMayCall(cfg)}`].filter(Boolean).join('\n\n');
      const out: Record<string, unknown> = {
        ...schema,
        operationId: op.id,
        summary: op.summary,
        description,
        'x-ote-errors': errorStatuses(route, cfg, op),
      };
      if (op.produces) out.produces = [op.produces];
      return { schema: out, url };
    },
    transformObject: (documentObject) => finish((documentObject as unknown as { openapiObject: Doc }).openapiObject) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

type Json = Record<string, unknown>;
interface Doc extends Json {
  paths: Record<string, Record<string, Json>>;
  components: Json & { schemas?: Json; responses?: Json };
}

/** The whole-document pass: error responses, optional defaults, no validator keywords, closed responses. */
function finish(doc: Doc): Doc {
  const used = new Set<number>();
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) {
      const statuses = (op['x-ote-errors'] as number[] | undefined) ?? [];
      delete op['x-ote-errors'];
      const responses = op.responses as Record<string, Json>;
      for (const status of statuses) {
        if (responses[status]) continue;
        used.add(status);
        responses[status] = { $ref: `#/components/responses/${ERRORS[status]?.[0] ?? `Status${status}`}` };
      }
      for (const [status, response] of Object.entries(responses)) {
        if (response.$ref) continue;
        if (/^2/.test(status) && response.description === 'Default Response') response.description = 'Success';
        for (const media of Object.values((response.content ?? {}) as Record<string, Json>)) closeObjects(media.schema);
      }
      for (const p of (op.parameters ?? []) as Json[]) {
        const s = p.schema as Json | undefined;
        if (p.in !== 'path' && s && 'default' in s) p.required = false;
      }
      const body = op.requestBody as { content?: Record<string, Json> } | undefined;
      for (const media of Object.values(body?.content ?? {})) defaultsNotRequired(media.schema);
    }
  }
  doc.components.responses = Object.fromEntries(
    [...used]
      .sort((a, b) => a - b)
      .map((s) => [
        ERRORS[s]?.[0] ?? `Status${s}`,
        {
          description: ERRORS[s]?.[1] ?? `Status ${s}`,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      ]),
  );
  doc.components.schemas = { ...doc.components.schemas, Error: ERROR_SCHEMA };
  stripKeyword(doc, 'errorMessage');
  mergeEnumUnions(doc);
  return doc;
}

/** TypeBox writes `"asc" | "desc"` as anyOf of one-value enums: one `enum` reads better in every tool. */
function mergeEnumUnions(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) mergeEnumUnions(child);
    return;
  }
  const o = node as Json;
  const members = o.anyOf as Json[] | undefined;
  if (
    Array.isArray(members) &&
    members.length > 1 &&
    !('type' in o) &&
    members.every(
      (m) =>
        m &&
        Array.isArray(m.enum) &&
        (m.enum as unknown[]).length === 1 &&
        m.type === members[0].type &&
        Object.keys(m).every((k) => k === 'type' || k === 'enum'),
    )
  ) {
    delete o.anyOf;
    o.type = members[0].type;
    o.enum = members.map((m) => (m.enum as unknown[])[0]);
  }
  for (const child of Object.values(o)) mergeEnumUnions(child);
}

/** Every sub-schema of a schema (not the names in `properties`). */
function* subSchemas(s: Json): Generator<Json> {
  for (const [k, v] of Object.entries(s)) {
    if (v === null || typeof v !== 'object') continue;
    if (k === 'properties' || k === 'patternProperties' || k === '$defs' || k === 'definitions') {
      for (const child of Object.values(v as Json)) if (child && typeof child === 'object') yield child as Json;
    } else if (Array.isArray(v)) {
      for (const child of v) if (child && typeof child === 'object') yield child as Json;
    } else if (k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'examples' && k !== 'example') {
      yield v as Json;
    }
  }
}

/** A field with a default may be left out: it is not `required` for the client. */
function defaultsNotRequired(schema: unknown): void {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Json;
  const props = s.properties as Record<string, Json> | undefined;
  if (props && Array.isArray(s.required)) {
    s.required = (s.required as string[]).filter((name) => !(props[name] && 'default' in props[name]));
    if ((s.required as string[]).length === 0) delete s.required;
  }
  for (const child of subSchemas(s)) defaultsNotRequired(child);
}

/** Objects of an answer without a word on extra fields are closed: the serializer writes only declared ones. */
function closeObjects(schema: unknown): void {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Json;
  if (s.properties && !('additionalProperties' in s)) s.additionalProperties = false;
  for (const child of subSchemas(s)) closeObjects(child);
}

function stripKeyword(node: unknown, keyword: string, inNameMap = false): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) stripKeyword(child, keyword);
    return;
  }
  const o = node as Json;
  if (!inNameMap) delete o[keyword];
  for (const [k, v] of Object.entries(o)) {
    stripKeyword(v, keyword, !inNameMap && (k === 'properties' || k === 'patternProperties'));
  }
}
