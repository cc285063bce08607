import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../../client/schema';
import { session } from './session';

/**
 * The console's only way to the hub: the client typed by the OpenAPI
 * document (client/schema.d.ts, generated from /v1/openapi.json).
 */
// fetch is looked up per call (not captured at load), so a test can stand in for the network.
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? '',
  fetch: (req: Request) => globalThis.fetch(req),
});

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token && !request.headers.has('authorization')) request.headers.set('authorization', token);
    return request;
  },
  onResponse({ request, response }) {
    // A revoked or expired token: the session is over (API.md §1). Login's own 401 is a wrong password.
    const login = request.method === 'POST' && new URL(request.url).pathname === '/v1/authorization';
    if (response.status === 401 && !login && session.token()) session.end('Your session ended: please sign in again.');
    return response;
  },
};
api.use(auth);

/** The API's error envelope: `message`, and for 422 `fields` (field → why). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer, or an ApiError carrying the envelope's message and fields. */
export async function call<T>(pending: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await pending;
  } catch {
    throw new ApiError(0, 'The hub cannot be reached. Check your connection.');
  }
  const { data, error, response } = answer;
  if (!response.ok || data === undefined) {
    const env = (error ?? {}) as { message?: unknown; fields?: unknown };
    const message = typeof env.message === 'string' ? env.message : `${response.status} ${response.statusText}`;
    const fields = env.fields && typeof env.fields === 'object' ? (env.fields as Record<string, string>) : {};
    throw new ApiError(response.status, message, fields);
  }
  return data;
}
