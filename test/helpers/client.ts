import assert from 'node:assert/strict';
import { type OteClient, type OteClientOptions, createOteClient } from '../../client/index.js';
import { conformanceOf } from './conformance.js';

export interface ApiResponse {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test code reads arbitrary envelope fields: any is the point of a test client
  readonly body: any;
  readonly text: string;
  readonly headers: Headers;
}

export interface CallOptions {
  readonly token?: string | null;
  readonly body?: unknown;
  /** Sent as is (malformed JSON, other content types). */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

/**
 * A thin fetch wrapper over the real HTTP server. Every response is checked for
 * leaked secrets, and against the hub's own OpenAPI document (status declared,
 * content type, body schema: helpers/conformance.ts), so every test that goes
 * through it is also a conformance test.
 */
export class Api {
  /** Strings that must never appear in any response (passwords used in the test, hashes). */
  readonly secrets = new Set<string>();

  constructor(readonly baseUrl: string) {}

  async call(method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = opts.token;
    let body: string | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    for (const s of this.secrets) {
      assert.ok(!text.includes(s), `${method} ${path} answered with a secret in its body`);
    }
    assert.ok(!/\$argon2id\$/.test(text), `${method} ${path} answered with a password hash`);
    const problems = (await conformanceOf(this.baseUrl)).check({
      method,
      path,
      status: res.status,
      contentType: res.headers.get('content-type'),
      text,
    });
    assert.ok(problems.length === 0, `the answer breaks the OpenAPI document: ${problems.join('\n')}`);
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  get = (path: string, opts?: CallOptions) => this.call('GET', path, opts);
  post = (path: string, opts?: CallOptions) => this.call('POST', path, opts);
  put = (path: string, opts?: CallOptions) => this.call('PUT', path, opts);
  delete = (path: string, opts?: CallOptions) => this.call('DELETE', path, opts);

  /** Logs in and returns the token (asserting success). */
  async login(user: string, password: string): Promise<string> {
    this.secrets.add(password);
    const res = await this.post('/v1/authorization', { body: { user, password } });
    assert.equal(res.status, 200, `login of ${user}: ${res.text}`);
    return res.body.token as string;
  }
}

/** Asserts status and the envelope's `code`, returning the body. */
export function expectStatus(res: ApiResponse, status: number, what = ''): ApiResponse['body'] {
  assert.equal(res.status, status, `${what} expected ${status}, got ${res.status}: ${res.text}`);
  if (res.body && typeof res.body === 'object' && 'code' in res.body) {
    assert.equal(res.body.code, status, 'envelope code equals the HTTP status');
  }
  return res.body;
}

/**
 * The typed client (client/index.ts) for tests, with the same conformance check
 * as `Api`: an answer that breaks the document fails the call.
 */
export function typedClient(baseUrl: string, opts: OteClientOptions = {}): OteClient {
  const client = createOteClient(baseUrl, opts);
  client.use({
    async onResponse({ request, response }) {
      const url = new URL(request.url);
      const problems = (await conformanceOf(baseUrl)).check({
        method: request.method,
        path: url.pathname + url.search,
        status: response.status,
        contentType: response.headers.get('content-type'),
        text: await response.clone().text(),
      });
      assert.ok(problems.length === 0, `the answer breaks the OpenAPI document: ${problems.join('\n')}`);
      return response;
    },
  });
  return client;
}
