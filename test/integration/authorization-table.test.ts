/**
 * THE AUTHORIZATION TABLE (API.md §2-§4, STYLE.md 6): every route the hub
 * registered, read from the hub itself, against every kind of caller.
 *
 * A route without a row here fails the test, and so does a row without a
 * route: when you add a route, add ONE line to ROWS below with its allowed
 * roles (and, if it takes an id of a tenant-owned object, a `foreign` probe).
 *
 * For an allowed caller the probe request is built to pass authorization and
 * change nothing: an invalid body answers 422, a missing id 404, a read 200.
 * A caller whose role is not allowed gets 403, an anonymous caller 401.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../src/access/roles.js';
import { routeTable } from '../../src/http/route-table.js';
import { Api, type ApiResponse } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { type Tenant, type TenantUser, approvedUser, makeTenant, newPassword, pendingUser } from '../helpers/tenants.js';

/** The fixture every probe may use: tenants A and B, a user without business, ids that do not exist. */
interface Ctx {
  readonly a: Tenant;
  readonly b: Tenant;
  /** An id and a name no object has. */
  readonly missing: number;
  readonly missingName: string;
  /** Objects of business A (made only when the hub has their routes). */
  readonly appId?: number;
  readonly thirdId?: string;
}
interface Probe {
  readonly path: string;
  readonly body?: unknown;
}
interface Row {
  /** `METHOD /url` exactly as registered (HEAD twins of GET routes are covered by the GET row). */
  readonly route: string;
  readonly allow: readonly Role[] | 'public';
  /** What an allowed caller sends; default: the url as is, no body. */
  readonly probe?: (c: Ctx) => Probe;
  /** What an allowed caller gets for the probe (default 200). */
  readonly expect?: number;
  /**
   * Routes with an id in the path: the same call on an object of business A.
   * Callers outside A that pass the role check must get 404 (never 403 or
   * 2xx: another tenant's object does not exist for them). A string says why
   * the id names no tenant-owned object.
   */
  readonly foreign?: ((c: Ctx) => Probe) | string;
  /** The route revokes the token it is called with: log in afresh for each call. */
  readonly fresh?: boolean;
  /** Public routes with their own credentials: what a platform login token in `Authorization` gets. */
  readonly asUser?: number;
}

const ANY: readonly Role[] = [0, 1, 2, 3, 4];
const INFRA = 'clusters are platform-wide infrastructure (API.md §2), not tenant objects';
const APP_UPDATE = { image: 'registry.example.com/proj/web', tag: 'v2' };
const P = 'public' as const;
const strongPassword = newPassword();

// One line per route. Keep them grouped by domain, in the order of API.md.
const ROWS: readonly Row[] = [
  // health, metrics, API document and reference (§9)
  { route: 'GET /healthz', allow: P },
  { route: 'GET /readyz', allow: P },
  { route: 'GET /metrics', allow: P },
  { route: 'GET /v1/openapi.json', allow: P },
  { route: 'GET /docs', allow: P },
  { route: 'HEAD /docs/', allow: P },
  { route: 'GET /docs/json', allow: P },
  { route: 'GET /docs/yaml', allow: P },
  { route: 'GET /docs/static/index.html', allow: P },
  { route: 'GET /docs/static/swagger-initializer.js', allow: P },
  { route: 'GET /docs/static/*', allow: P, probe: () => ({ path: '/docs/static/swagger-ui.css' }) },
  // the web console (§13): static files, every other GET path answers index.html (deep links)
  { route: 'GET /', allow: P },
  { route: 'GET /*', allow: P, probe: () => ({ path: '/clusters' }) },
  { route: 'GET /assets/*', allow: P, probe: () => ({ path: '/assets/no-such-file.js' }), expect: 404 },
  // auth and users (§3)
  { route: 'POST /v1/authorization', allow: P, probe: () => ({ path: '/v1/authorization', body: {} }), expect: 422 },
  { route: 'PUT /v1/authorization', allow: ANY },
  { route: 'DELETE /v1/authorization', allow: ANY, fresh: true },
  { route: 'DELETE /v1/authorizations', allow: ANY, fresh: true },
  { route: 'GET /v1/authorization', allow: ANY },
  { route: 'POST /v1/user', allow: P, probe: () => ({ path: '/v1/user', body: {} }), expect: 422 },
  { route: 'PUT /v1/user', allow: ANY, probe: () => ({ path: '/v1/user', body: {} }), expect: 422 },
  { route: 'GET /v1/admin/user', allow: [3, 4] },
  { route: 'POST /v1/admin/user', allow: [3, 4], probe: () => ({ path: '/v1/admin/user', body: {} }), expect: 422 },
  {
    route: 'PUT /v1/admin/user/:userId',
    allow: [4],
    probe: (c) => ({ path: `/v1/admin/user/${c.missing}`, body: { status: 1 } }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/admin/user/${c.a.member.id}`, body: { status: 1 } }),
  },
  {
    route: 'PUT /v1/admin/user/:userId/password',
    allow: [3, 4],
    probe: (c) => ({ path: `/v1/admin/user/${c.missing}/password`, body: { password: strongPassword } }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/admin/user/${c.a.member.id}/password`, body: { password: strongPassword } }),
  },
  {
    route: 'DELETE /v1/admin/user/:userId',
    allow: [3, 4],
    probe: (c) => ({ path: `/v1/admin/user/${c.missing}` }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/admin/user/${c.a.member.id}` }),
  },
  // businesses (§4)
  { route: 'POST /v1/business', allow: [1, 2, 3], probe: () => ({ path: '/v1/business', body: {} }), expect: 422 },
  { route: 'GET /v1/business', allow: [1, 2, 3, 4] },
  {
    route: 'GET /v1/business/id/:id',
    allow: [1, 2, 3, 4],
    probe: (c) => ({ path: `/v1/business/id/${c.missing}` }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/business/id/${c.a.businessId}` }),
  },
  {
    route: 'PUT /v1/business/id/:id',
    allow: [4],
    probe: (c) => ({ path: `/v1/business/id/${c.missing}`, body: { status: 1, comment: '' } }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/business/id/${c.a.businessId}`, body: { status: 2, comment: '' } }),
  },
  {
    route: 'DELETE /v1/business/id/:id',
    allow: [4],
    probe: (c) => ({ path: `/v1/business/id/${c.missing}` }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/business/id/${c.a.businessId}` }),
  },
  // clusters and labels (§5): platform-wide infrastructure, no tenant objects
  { route: 'GET /v1/cluster', allow: [2, 3, 4] },
  { route: 'POST /v1/cluster', allow: [4], probe: () => ({ path: '/v1/cluster', body: {} }), expect: 422 },
  {
    route: 'DELETE /v1/cluster/:clusterName',
    allow: [4],
    probe: (c) => ({ path: `/v1/cluster/${c.missingName}` }),
    expect: 404,
    foreign: INFRA,
  },
  {
    route: 'POST /v1/cluster/:clusterName/token',
    allow: [4],
    probe: (c) => ({ path: `/v1/cluster/${c.missingName}/token` }),
    expect: 404,
    foreign: INFRA,
  },
  {
    route: 'PUT /v1/cluster/:clusterName/pause',
    allow: [4],
    probe: (c) => ({ path: `/v1/cluster/${c.missingName}/pause`, body: { paused: true } }),
    expect: 404,
    foreign: INFRA,
  },
  { route: 'GET /v1/cluster/label', allow: [2, 3, 4] },
  { route: 'POST /v1/cluster/label', allow: [4], probe: () => ({ path: '/v1/cluster/label', body: {} }), expect: 422 },
  { route: 'DELETE /v1/cluster/label', allow: [4], probe: () => ({ path: '/v1/cluster/label', body: {} }), expect: 422 },
  {
    route: 'GET /v1/cluster/label/:clusterName',
    allow: [2, 3, 4],
    probe: (c) => ({ path: `/v1/cluster/label/${c.missingName}` }),
    expect: 404,
    foreign: INFRA,
  },
  // nodes (§6)
  { route: 'GET /v1/node', allow: [2, 3, 4] },
  { route: 'GET /v1/node/label', allow: [2, 3, 4] },
  { route: 'POST /v1/node/label', allow: [4], probe: () => ({ path: '/v1/node/label', body: {} }), expect: 422 },
  { route: 'DELETE /v1/node/label', allow: [4], probe: () => ({ path: '/v1/node/label', body: {} }), expect: 422 },
  // the agent's connection (§11): its own join token, so a user token is no credential there
  { route: 'GET /v1/agent/connect', allow: P, expect: 401 },
  // repository (§7); the test hub has no registry: project, image, tag and account endpoints answer 503 once authorized
  { route: 'GET /v1/repository/project', allow: [2, 3, 4], expect: 503 },
  {
    route: 'POST /v1/repository/project',
    allow: [3, 4],
    probe: () => ({ path: '/v1/repository/project', body: {} }),
    expect: 422,
  },
  {
    route: 'DELETE /v1/repository/project',
    allow: [3, 4],
    probe: () => ({ path: '/v1/repository/project', body: {} }),
    expect: 422,
  },
  { route: 'GET /v1/repository/image', allow: [2, 3, 4], expect: 422 },
  { route: 'DELETE /v1/repository/image', allow: [3, 4], probe: () => ({ path: '/v1/repository/image', body: {} }), expect: 422 },
  { route: 'GET /v1/repository/image/tag', allow: [2, 3, 4], expect: 422 },
  {
    route: 'DELETE /v1/repository/image/tag',
    allow: [3, 4],
    probe: () => ({ path: '/v1/repository/image/tag', body: {} }),
    expect: 422,
  },
  { route: 'POST /v1/repository/user', allow: [2, 3, 4], probe: () => ({ path: '/v1/repository/user', body: {} }), expect: 422 },
  {
    route: 'PUT /v1/repository/user/password',
    allow: [1, 2, 3, 4],
    probe: () => ({ path: '/v1/repository/user/password', body: {} }),
    expect: 422,
  },
  { route: 'POST /v1/repository/third', allow: [3, 4], probe: () => ({ path: '/v1/repository/third', body: {} }), expect: 422 },
  { route: 'DELETE /v1/repository/third', allow: [3, 4], probe: () => ({ path: '/v1/repository/third', body: {} }), expect: 422 },
  { route: 'GET /v1/repository/third', allow: [2, 3, 4] },
  {
    route: 'GET /v1/repository/third/:repositoryId',
    allow: [2, 3, 4],
    probe: (c) => ({ path: `/v1/repository/third/${c.missingName}` }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/repository/third/${c.thirdId}` }),
  },
  // registry token service (§10): public, with their own credentials
  { route: 'GET /v1/registry/token', allow: P, asUser: 401 }, // Basic credentials of a registry account, or none
  { route: 'GET /v1/registry/certificate', allow: P },
  {
    route: 'POST /v1/registry/notifications',
    allow: P,
    probe: () => ({ path: '/v1/registry/notifications', body: {} }),
    expect: 401,
  },
  // applications (§8)
  { route: 'POST /v1/app', allow: [2, 3, 4], probe: () => ({ path: '/v1/app', body: {} }), expect: 422 },
  { route: 'GET /v1/app', allow: [2, 3, 4] },
  { route: 'POST /v1/app/preview', allow: [2, 3, 4], probe: () => ({ path: '/v1/app/preview', body: {} }), expect: 422 },
  {
    route: 'GET /v1/app/:id/preview',
    allow: [2, 3, 4],
    probe: (c) => ({ path: `/v1/app/${c.missing}/preview` }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/app/${c.appId}/preview` }),
  },
  {
    route: 'GET /v1/app/:id',
    allow: [2, 3, 4],
    probe: (c) => ({ path: `/v1/app/${c.missing}` }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/app/${c.appId}` }),
  },
  {
    route: 'PUT /v1/app/:id',
    allow: [2, 3, 4],
    probe: (c) => ({ path: `/v1/app/${c.missing}`, body: APP_UPDATE }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/app/${c.appId}`, body: APP_UPDATE }),
  },
  {
    route: 'PUT /v1/app/:id/audit',
    allow: [4],
    probe: (c) => ({ path: `/v1/app/${c.missing}/audit`, body: { status: 2 } }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/app/${c.appId}/audit`, body: { status: 2 } }),
  },
  {
    route: 'PUT /v1/app/:id/replicas',
    allow: [2, 3, 4],
    probe: (c) => ({ path: `/v1/app/${c.missing}/replicas`, body: { replicas: 2 } }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/app/${c.appId}/replicas`, body: { replicas: 2 } }),
  },
  {
    route: 'GET /v1/app/:id/revision',
    allow: [2, 3, 4],
    probe: (c) => ({ path: `/v1/app/${c.missing}/revision` }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/app/${c.appId}/revision` }),
  },
  {
    route: 'PUT /v1/app/:id/rollback',
    allow: [2, 3, 4],
    probe: (c) => ({ path: `/v1/app/${c.missing}/rollback`, body: { revision: 1 } }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/app/${c.appId}/rollback`, body: { revision: 1 } }),
  },
  {
    route: 'DELETE /v1/app/:id',
    allow: [2, 3, 4],
    probe: (c) => ({ path: `/v1/app/${c.missing}` }),
    expect: 404,
    foreign: (c) => ({ path: `/v1/app/${c.appId}` }),
  },
  // alerts (§9): the Alertmanager webhook has its own shared secret
  { route: 'GET /v1/alert', allow: [2, 3, 4] },
  { route: 'POST /v1/alert/callback', allow: P, probe: () => ({ path: '/v1/alert/callback', body: {} }), expect: 401 },
  // settings and audit log (§9)
  { route: 'GET /v1/admin/setting', allow: [4] },
  { route: 'PUT /v1/admin/setting', allow: [4], probe: () => ({ path: '/v1/admin/setting', body: {} }), expect: 422 },
  { route: 'GET /v1/admin/audit', allow: [4] },
];

// --- the machinery (rows above are all a new route needs) ---

type CallerName = 'anonymous' | 'pending' | 'noBusiness' | 'memberA' | 'adminA' | 'adminB' | 'memberB' | 'system';
interface TestCaller {
  readonly name: CallerName;
  readonly role: Role | null;
  /** Outside business A: the callers of the foreign probes. */
  readonly foreign: boolean;
  readonly login: TenantUser | null;
  token: string | null;
}

const key = (method: string, url: string) => `${method} ${url}`;

/** The expected status of a caller for a route's probe. */
function expected(row: Row, caller: TestCaller): number {
  if (row.allow === 'public') return (caller.role !== null ? row.asUser : undefined) ?? row.expect ?? 200;
  if (caller.role === null) return 401;
  if (!row.allow.includes(caller.role)) return 403;
  return row.expect ?? 200;
}

for (const db of DATABASES) {
  describe(`the authorization table [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let ctx: Ctx;
    let callers: TestCaller[];

    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      api.secrets.add(strongPassword);
      const system = await api.login(ADMIN.user, ADMIN.password);
      const [a, b] = [await makeTenant(api, system), await makeTenant(api, system)];
      const pending = await pendingUser(api, { isAdmin: true });
      const noBusiness = await approvedUser(api, system, { isAdmin: true });
      const has = (route: string) => routeTable(hub.hub.app).some((r) => key(r.method, r.url) === route);
      let appId: number | undefined;
      if (has('POST /v1/app')) {
        const body = { appName: 'table-app', image: 'registry.example.com/proj/web', tag: 'v1' };
        const res = await api.post('/v1/app', { token: a.admin.token, body });
        assert.equal(res.status, 200, `an application of A: ${res.text}`);
        appId = res.body.data.id;
      }
      let thirdId: string | undefined;
      if (has('POST /v1/repository/third')) {
        thirdId = 'table-third';
        const body = { repositoryId: thirdId, address: 'registry.example.com:5000', user: 'puller', password: strongPassword };
        const res = await api.post('/v1/repository/third', { token: a.admin.token, body });
        assert.equal(res.status, 200, `an external repository of A: ${res.text}`);
      }
      ctx = { a, b, missing: 999_999, missingName: 'no-such-object', appId, thirdId };
      const c = (name: CallerName, role: Role | null, foreign: boolean, login: TenantUser | null, token: string | null) =>
        ({ name, role, foreign, login, token }) as TestCaller;
      callers = [
        c('anonymous', null, true, null, null),
        c('pending', 0, true, pending, pending.token),
        c('noBusiness', 1, true, noBusiness, noBusiness.token),
        c('memberA', 2, false, a.member, a.member.token),
        c('adminA', 3, false, a.admin, a.admin.token),
        c('adminB', 3, true, b.admin, b.admin.token),
        c('memberB', 2, true, b.member, b.member.token),
        c('system', 4, false, { id: 1, user: ADMIN.user, password: ADMIN.password, token: system }, system),
      ];
    });
    after(() => hub?.close());

    const routes = () => routeTable(hub.hub.app).map((r) => ({ ...r, key: key(r.method, r.url) }));
    const rowOf = (method: string, url: string): Row | undefined => {
      const exact = ROWS.find((r) => r.route === key(method, url));
      // A HEAD route is Fastify's twin of a GET route and answers like it.
      return exact ?? (method === 'HEAD' ? ROWS.find((r) => r.route === key('GET', url)) : undefined);
    };

    it('has exactly one row per registered route, with the roles the route declares', () => {
      const registered = routes();
      assert.ok(registered.length > 20, 'the hub reports its routes');
      const missing = registered.filter((r) => !rowOf(r.method, r.url)).map((r) => r.key);
      assert.deepEqual(missing, [], 'routes without a row in the authorization table (add one line each)');
      const keys = new Set(registered.map((r) => r.key));
      const stale = ROWS.filter((r) => !keys.has(r.route)).map((r) => r.route);
      assert.deepEqual(stale, [], 'rows for routes the hub does not have');
      const dup = ROWS.map((r) => r.route).filter((k, i, all) => all.indexOf(k) !== i);
      assert.deepEqual(dup, [], 'duplicate rows');
      for (const r of registered) {
        const row = rowOf(r.method, r.url)!;
        if (row.allow === 'public') assert.equal(r.public, true, `${r.key} is public in the table but not on the route`);
        else {
          assert.equal(r.public, false, `${r.key} is public on the route but not in the table`);
          assert.deepEqual([...(r.allow ?? [])].sort(), [...row.allow].sort(), `${r.key}: declared roles`);
        }
        if (r.url.includes(':') || r.url.includes('*')) {
          assert.ok(row.foreign || r.url.includes('*'), `${r.key} takes an id: give its row a foreign probe (or say why not)`);
        }
      }
    });

    it('answers every caller on every route as the table says', async () => {
      const failures: string[] = [];
      let cases = 0;
      let covered = 0;
      for (const r of routes()) {
        const row = rowOf(r.method, r.url);
        if (!row) continue; // reported by the first test
        covered += 1;
        const probe = row.probe?.(ctx) ?? { path: r.url };
        for (const caller of callers) {
          const token = row.fresh && caller.login ? await api.login(caller.login.user, caller.login.password) : caller.token;
          const res = await api.call(r.method, probe.path, { token, body: probe.body });
          cases += 1;
          check(failures, `${r.key} as ${caller.name}`, res, expected(row, caller), r.method);
        }
      }
      assert.deepEqual(failures, [], `${failures.length} of ${cases} cases answered otherwise`);
      const heads = routes().filter((r) => r.method === 'HEAD').length;
      console.log(
        `# authorization table [${db}]: ${ROWS.length} rows; ${covered} routes (${covered - heads} + ${heads} HEAD twins) x ${callers.length} callers = ${cases} cases`,
      );
    });

    it("answers 404 to callers outside business A for A's objects on every route with an id", async () => {
      const failures: string[] = [];
      let cases = 0;
      for (const r of routes()) {
        const row = rowOf(r.method, r.url);
        if (typeof row?.foreign !== 'function') continue;
        const probe = row.foreign(ctx);
        for (const caller of callers.filter((c) => c.foreign && c.role !== null)) {
          const allowed = row.allow === 'public' || row.allow.includes(caller.role!);
          const res = await api.call(r.method, probe.path, { token: caller.token, body: probe.body });
          cases += 1;
          check(failures, `${r.key} on A's object as ${caller.name}`, res, allowed ? 404 : 403, r.method);
        }
      }
      assert.deepEqual(failures, [], `${failures.length} of ${cases} cases answered otherwise`);
      assert.ok(cases > 0);
      // A's objects are untouched: its member still logs in with its own password and the business is approved.
      const a = await api.get(`/v1/business/id/${ctx.a.businessId}`, { token: ctx.a.admin.token });
      assert.equal(a.body.data.status, 1);
      await api.login(ctx.a.member.user, ctx.a.member.password);
      if (ctx.appId !== undefined) {
        const app = await api.get(`/v1/app/${ctx.appId}`, { token: ctx.a.admin.token });
        assert.equal(app.status, 200, "A's application survived B's calls");
        assert.equal(app.body.data.replicas, 1);
      }
      if (ctx.thirdId !== undefined) {
        assert.equal((await api.get(`/v1/repository/third/${ctx.thirdId}`, { token: ctx.a.member.token })).status, 200);
      }
      console.log(`# authorization table [${db}]: ${cases} cross-tenant cases`);
    });
  });
}

function check(failures: string[], what: string, res: ApiResponse, want: number, method: string): void {
  if (res.status !== want) {
    failures.push(`${what}: expected ${want}, got ${res.status} ${res.text.slice(0, 160)}`);
    return;
  }
  // Errors carry the envelope (HEAD answers have no body).
  if (want >= 400 && method !== 'HEAD' && (res.body?.code !== want || typeof res.body?.requestId !== 'string')) {
    failures.push(`${what}: the ${want} answer lacks the error envelope: ${res.text.slice(0, 160)}`);
  }
}
