/**
 * The typed OTE client: openapi-fetch over the paths generated from the hub's
 * OpenAPI document (client/schema.d.ts, built by `npm ci` through
 * scripts/openapi.ts). Every path, parameter, body and answer is typed.
 *
 *   const ote = createOteClient('https://hub.example', { token: () => session.token });
 *   const { data, error, response } = await ote.GET('/v1/cluster', { params: { query: { pageSize: 50 } } });
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema.js';

export type { components, operations, paths } from './schema.js';

export interface OteClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Sent as `Authorization: <token>` on every request: a token, or a function read per request. */
  readonly token?: string | null | (() => string | null | undefined);
}

export type OteClient = Client<paths>;

/** A client for the hub at `baseUrl` (its origin, e.g. `http://127.0.0.1:8080`; paths start with /v1). */
export function createOteClient(baseUrl: string, opts: OteClientOptions = {}): OteClient {
  const { token, ...rest } = opts;
  const client = createClient<paths>({ ...rest, baseUrl: baseUrl.replace(/\/+$/, '') });
  if (token) {
    client.use({
      onRequest({ request }) {
        const value = typeof token === 'function' ? token() : token;
        if (value) request.headers.set('authorization', value);
        return request;
      },
    });
  }
  return client;
}
