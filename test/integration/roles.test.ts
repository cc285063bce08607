import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { routeTable } from '../../src/http/route-table.js';
import { Api, expectStatus } from '../helpers/client.js';
import { DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { makeTenant } from '../helpers/tenants.js';
import { adminToken, createUser } from '../helpers/users.js';

type Who = 'anonymous' | 0 | 1 | 2 | 3 | 4;
const ROLES: readonly Who[] = [0, 1, 2, 3, 4];

/**
 * The authorization table of §3 and §9, read straight off API.md. An allowed
 * call is sent with a body or id that fails validation (422) or names nothing
 * (404), so the table changes no state; a refused one is 403 (401 anonymous).
 */
const TABLE: { method: string; path: string; body?: unknown; allow: readonly Who[]; allowedStatus: number }[] = [
  { method: 'GET', path: '/v1/authorization', allow: ROLES, allowedStatus: 200 },
  { method: 'PUT', path: '/v1/authorization', allow: ROLES, allowedStatus: 200 },
  { method: 'PUT', path: '/v1/user', body: { oldPassword: 'x' }, allow: ROLES, allowedStatus: 422 },
  { method: 'GET', path: '/v1/admin/user', allow: [3, 4], allowedStatus: 200 },
  { method: 'POST', path: '/v1/admin/user', body: {}, allow: [3, 4], allowedStatus: 422 },
  { method: 'PUT', path: '/v1/admin/user/abc', body: { status: 1 }, allow: [4], allowedStatus: 422 },
  { method: 'PUT', path: '/v1/admin/user/abc/password', body: {}, allow: [3, 4], allowedStatus: 422 },
  { method: 'DELETE', path: '/v1/admin/user/2147483647', allow: [3, 4], allowedStatus: 404 },
  { method: 'GET', path: '/v1/admin/setting', allow: [4], allowedStatus: 200 },
  { method: 'PUT', path: '/v1/admin/setting', body: {}, allow: [4], allowedStatus: 422 },
  { method: 'GET', path: '/v1/admin/audit', allow: [4], allowedStatus: 200 },
];

/** What a pending user (role 0) may call, besides public routes (API.md §2). */
const PENDING_MAY = new Set([
  'GET /v1/authorization',
  'PUT /v1/authorization',
  'DELETE /v1/authorization',
  'DELETE /v1/authorizations',
  'PUT /v1/user',
]);

for (const db of DATABASES) {
  describe(`roles [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    const tokens = new Map<Who, string>();
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      const admin = await adminToken(api);
      const tenant = await makeTenant(api, admin);
      tokens.set(4, admin);
      tokens.set(3, tenant.admin.token);
      tokens.set(2, tenant.member.token);
      tokens.set(1, (await createUser(api, admin)).token);
      tokens.set(0, (await createUser(api, admin, {}, { approve: false })).token);
    });
    after(() => hub?.close());

    it('gives each test token the role it stands for', async () => {
      for (const role of ROLES) {
        const info = expectStatus(await api.get('/v1/authorization', { token: tokens.get(role) }), 200, `role ${role}`);
        assert.equal(info.data.role, role);
      }
    });

    for (const row of TABLE) {
      it(`${row.method} ${row.path}: allowed for ${row.allow.join(', ')}; 403 for the other roles; 401 anonymous`, async () => {
        const anon = await api.call(row.method, row.path, { body: row.body });
        expectStatus(anon, 401, 'anonymous');
        for (const role of ROLES) {
          const res = await api.call(row.method, row.path, { token: tokens.get(role), body: row.body });
          expectStatus(res, row.allow.includes(role) ? row.allowedStatus : 403, `role ${role}`);
          if (res.status === 403) assert.match(res.body.message, new RegExp(`role ${role}`));
        }
      });
    }

    it('lets every role log out (DELETE /v1/authorization and /v1/authorizations); anonymous is 401', async () => {
      expectStatus(await api.delete('/v1/authorization'), 401);
      expectStatus(await api.delete('/v1/authorizations'), 401);
      for (const role of ROLES) {
        // A second token of the same user, so the table's tokens stay valid.
        const extra = expectStatus(await api.put('/v1/authorization', { token: tokens.get(role) }), 200).token;
        expectStatus(
          await api.delete(role === 1 || role === 3 ? '/v1/authorization' : '/v1/authorizations', { token: extra }),
          200,
          `role ${role}`,
        );
        expectStatus(await api.get('/v1/authorization', { token: extra }), 401, `role ${role} after logout`);
      }
    });

    it('refuses a pending user (role 0) every protected route of the hub but its own session and password', async () => {
      const routes = routeTable(hub.hub.app).filter((r) => !r.public && r.method !== 'HEAD');
      // What the routes declare is exactly what API.md §2 allows a pending user.
      const declared = routes.filter((r) => r.allow?.includes(0)).map((r) => `${r.method} ${r.url}`);
      assert.deepEqual(declared.sort(), [...PENDING_MAY].sort());
      // And the hook enforces it on every other route, whatever domain registered it.
      let checked = 0;
      for (const r of routes) {
        if (PENDING_MAY.has(`${r.method} ${r.url}`)) continue;
        const res = await api.call(r.method, r.url.replace(/:[A-Za-z]+/g, '1'), { token: tokens.get(0) });
        expectStatus(res, 403, `role 0: ${r.method} ${r.url}`);
        checked += 1;
      }
      assert.ok(checked >= 8, `checked ${checked} protected routes`);
    });

    it('refuses role 1 every /v1/admin route of the hub', async () => {
      const routes = routeTable(hub.hub.app).filter((r) => r.url.startsWith('/v1/admin/'));
      assert.ok(routes.length >= 7, `${routes.length} admin routes`);
      for (const r of routes) {
        assert.ok(!r.public && !r.allow?.includes(1), `${r.method} ${r.url} declares role 1`);
        const res = await api.call(r.method, r.url.replace(/:[A-Za-z]+/g, '1'), { token: tokens.get(1) });
        expectStatus(res, 403, `role 1: ${r.method} ${r.url}`);
      }
    });
  });
}
