import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { createBusiness } from '../helpers/tenants.js';
import {
  adminToken,
  createBusinessAdmin,
  createSubUser,
  createUser,
  registerUser,
  strongPassword,
  userBody,
} from '../helpers/users.js';

const ROW_FIELDS = ['businessId', 'createTime', 'id', 'isAdmin', 'phone', 'realName', 'role', 'status', 'updateTime', 'user'];

/** Self-registration and the admin user endpoints of API.md §3. */
for (const db of DATABASES) {
  describe(`users [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let adminId: number;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      admin = await adminToken(api);
      adminId = expectStatus(await api.get('/v1/authorization', { token: admin }), 200).data.userId;
    });
    after(() => hub?.close());

    it('registers a pending user that lists with every row field and no secret', async () => {
      const body = userBody({ realName: 'Li Si', phone: '123456', isAdmin: true });
      api.secrets.add(body.password);
      const before = Math.floor(Date.now() / 1000);
      const id = expectStatus(await api.post('/v1/user', { body }), 200).data.id;
      const list = expectStatus(await api.get(`/v1/admin/user?user=${body.user}`, { token: admin }), 200);
      assert.equal(list.total, 1);
      const row = list.data[0];
      assert.deepEqual(Object.keys(row).sort(), ROW_FIELDS);
      assert.deepEqual(
        {
          id: row.id,
          user: row.user,
          status: row.status,
          realName: row.realName,
          phone: row.phone,
          isAdmin: row.isAdmin,
          role: row.role,
          businessId: row.businessId,
        },
        { id, user: body.user, status: 0, realName: 'Li Si', phone: '123456', isAdmin: true, role: 0, businessId: null },
      );
      assert.ok(row.createTime >= before - 1 && row.createTime <= before + 5, 'createTime is Unix seconds');
      assert.equal(row.updateTime, row.createTime);
    });

    it('refuses a duplicate user name case-insensitively (409), and keeps the case as given', async () => {
      const name = `Alice${randomBytes(3).toString('hex')}`;
      await registerUser(api, { user: name });
      const dup = await api.post('/v1/user', { body: userBody({ user: name.toLowerCase() }) });
      expectStatus(dup, 409);
      assert.match(dup.body.message, /user/);
      const rows = expectStatus(await api.get(`/v1/admin/user?user=${name}`, { token: admin }), 200).data;
      assert.deepEqual(
        rows.map((r: { user: string }) => r.user),
        [name],
      );
      expectStatus(await api.post('/v1/user', { body: userBody({ user: ADMIN.user.toUpperCase() }) }), 409, 'the admin name');
    });

    it('lets exactly one of several simultaneous registrations of one name win; the rest are 409, none 500', async () => {
      const name = `Race${randomBytes(3).toString('hex')}`;
      const bodies = [name, name.toLowerCase(), name.toUpperCase(), name, name].map((user) => userBody({ user }));
      for (const b of bodies) api.secrets.add(b.password);
      const results = await Promise.all(bodies.map((body) => api.post('/v1/user', { body })));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 409, 409, 409, 409]);
      assert.equal(expectStatus(await api.get(`/v1/admin/user?user=${name}`, { token: admin }), 200).total, 1);
    });

    describe('listing', () => {
      // Byte order: upper case sorts before lower case on both engines.
      const tag = randomBytes(3).toString('hex');
      const names = [`dave${tag}`, `Bob${tag}`, `alice${tag}`, `Carol${tag}`, `eve_${tag}`];
      const ids: Record<string, number> = {};
      before(async () => {
        for (const name of names) ids[name] = (await registerUser(api, { user: name })).id;
        await api.put(`/v1/admin/user/${ids[`Carol${tag}`]}`, { token: admin, body: { status: 3 } });
      });
      const list = async (query: string) => expectStatus(await api.get(`/v1/admin/user?${query}`, { token: admin }), 200, query);
      const userNames = (body: { data: { user: string }[] }) => body.data.map((r) => r.user);

      it('pages with total counted before paging, default page size 10', async () => {
        const all = await list('pageSize=0');
        assert.ok(all.total >= names.length + 1);
        assert.equal(all.data.length, all.total, 'pageSize=0 means every row');
        const dflt = await list('');
        assert.equal(dflt.data.length, Math.min(10, all.total));
        assert.equal(dflt.total, all.total);
        const p1 = await list(`user=${tag}&pageSize=2&page=1`);
        const p3 = await list(`user=${tag}&pageSize=2&page=3`);
        assert.equal(p1.total, 5);
        assert.equal(p1.data.length, 2);
        assert.equal(p3.data.length, 1);
        const beyond = await list(`user=${tag}&pageSize=2&page=9`);
        assert.deepEqual(beyond.data, []);
        assert.equal(beyond.total, 5);
        expectStatus(await api.get('/v1/admin/user?pageSize=1000', { token: admin }), 200, 'pageSize=1000');
      });

      it('orders by id (default) and by user_name in byte order, ascending and descending', async () => {
        const byId = await list(`user=${tag}`);
        assert.deepEqual(userNames(byId), names, 'id order is creation order');
        const desc = await list(`user=${tag}&order=desc`);
        assert.deepEqual(userNames(desc), [...names].reverse());
        const byName = await list(`user=${tag}&orderBy=user_name&order=asc`);
        assert.deepEqual(userNames(byName), [`Bob${tag}`, `Carol${tag}`, `alice${tag}`, `dave${tag}`, `eve_${tag}`]);
        const byNameDesc = await list(`user=${tag}&orderBy=user_name&order=desc`);
        assert.deepEqual(userNames(byNameDesc), userNames(byName).reverse());
      });

      it('pages through a sort without losing or repeating a row', async () => {
        for (const orderBy of ['id', 'user_name']) {
          const whole = userNames(await list(`orderBy=${orderBy}&pageSize=0`));
          const paged: string[] = [];
          for (let page = 1; paged.length < whole.length && page < 100; page++) {
            paged.push(...userNames(await list(`orderBy=${orderBy}&pageSize=3&page=${page}`)));
          }
          assert.deepEqual(paged, whole, orderBy);
        }
      });

      it('filters by user-name substring (case-insensitive, wildcards literal) and by status', async () => {
        assert.deepEqual(userNames(await list(`user=BOB${tag}`)), [`Bob${tag}`]);
        assert.deepEqual(userNames(await list(`user=${tag.slice(1)}&status=3`)), [`Carol${tag}`]);
        assert.deepEqual(userNames(await list(`user=_${tag}`)), [`eve_${tag}`], '"_" is no wildcard');
        assert.deepEqual(userNames(await list(`user=%25${tag}`)), [], '"%" is no wildcard');
        const approved = await list('status=1&pageSize=0');
        assert.ok(approved.data.every((r: { status: number }) => r.status === 1));
        assert.ok(approved.data.some((r: { user: string }) => r.user === ADMIN.user));
      });

      it('refuses bad paging, ordering and filter values with 422 naming the parameter', async () => {
        const cases: [string, string][] = [
          ['pageSize=1001', 'pageSize'],
          ['pageSize=-1', 'pageSize'],
          ['pageSize=abc', 'pageSize'],
          ['page=0', 'page'],
          ['page=1.5', 'page'],
          ['orderBy=password_hash', 'orderBy'],
          ['orderBy=name', 'orderBy'],
          ['order=up', 'order'],
          ['status=4', 'status'],
          ['status=x', 'status'],
          ['status=1e0', 'status'],
          ['page=1e1', 'page'],
          ['pageSize=0x10', 'pageSize'],
        ];
        for (const [query, field] of cases) {
          const res = await api.get(`/v1/admin/user?${query}`, { token: admin });
          expectStatus(res, 422, query);
          assert.match(res.body.message, new RegExp(`\\b${field}\\b`), query);
        }
      });
    });

    describe('audit, reset, delete', () => {
      it('audits a user through every status, and refuses the system admin (409)', async () => {
        const u = await registerUser(api);
        for (const status of [1, 2, 0, 3, 1]) {
          expectStatus(await api.put(`/v1/admin/user/${u.id}`, { token: admin, body: { status } }), 200);
          const row = expectStatus(await api.get(`/v1/admin/user?user=${u.user}`, { token: admin }), 200).data[0];
          assert.equal(row.status, status);
        }
        const self = await api.put(`/v1/admin/user/${adminId}`, { token: admin, body: { status: 3 } });
        expectStatus(self, 409);
        await api.login(ADMIN.user, ADMIN.password);
        for (const status of [-1, 4, 1.5, '1', null]) {
          expectStatus(await api.put(`/v1/admin/user/${u.id}`, { token: admin, body: { status } }), 422, `status ${status}`);
        }
        expectStatus(
          await api.put(`/v1/admin/user/${u.id}`, { token: admin, body: { status: 1, role: 4 } }),
          422,
          'mass assignment',
        );
        expectStatus(await api.put('/v1/admin/user/2147483647', { token: admin, body: { status: 1 } }), 404);
      });

      it('setting status 3 revokes every live token of the user', async () => {
        const u = await createUser(api, admin);
        const second = await api.login(u.user, u.password);
        expectStatus(await api.put(`/v1/admin/user/${u.id}`, { token: admin, body: { status: 3 } }), 200);
        const res = await api.get('/v1/authorization', { token: second });
        expectStatus(res, 401);
        const sessions = await hub.hub.services.db.kysely
          .selectFrom('sessions')
          .select('revoked')
          .where('user_id', '=', u.id)
          .execute();
        assert.equal(sessions.length, 2);
        assert.ok(
          sessions.every((s) => s.revoked === 1),
          'revoked in the database, not only refused',
        );
      });

      it("resets a password, revoking the user's tokens; the new one works", async () => {
        const u = await createUser(api, admin);
        const next = strongPassword();
        api.secrets.add(next);
        expectStatus(await api.put(`/v1/admin/user/${u.id}/password`, { token: admin, body: { password: next } }), 200);
        expectStatus(await api.get('/v1/authorization', { token: u.token }), 401, 'token after reset');
        expectStatus(await api.post('/v1/authorization', { body: { user: u.user, password: u.password } }), 401, 'old password');
        await api.login(u.user, next);
        const weak = await api.put(`/v1/admin/user/${u.id}/password`, { token: admin, body: { password: 'short1A' } });
        expectStatus(weak, 422);
        assert.match(weak.body.message, /password/);
        expectStatus(await api.put('/v1/admin/user/2147483647/password', { token: admin, body: { password: next } }), 404);
      });

      it('deletes a user: its token is then 401, it is gone from the list, and a second delete is 404', async () => {
        const u = await createUser(api, admin);
        expectStatus(await api.delete(`/v1/admin/user/${u.id}`, { token: admin }), 200);
        expectStatus(await api.get('/v1/authorization', { token: u.token }), 401, 'deleted user token');
        expectStatus(await api.post('/v1/authorization', { body: { user: u.user, password: u.password } }), 401, 'deleted login');
        assert.equal(expectStatus(await api.get(`/v1/admin/user?user=${u.user}`, { token: admin }), 200).total, 0);
        expectStatus(await api.delete(`/v1/admin/user/${u.id}`, { token: admin }), 404);
        // The name is free again.
        await registerUser(api, { user: u.user });
      });

      it('refuses to delete oneself or the system administrator (409)', async () => {
        const self = await api.delete(`/v1/admin/user/${adminId}`, { token: admin });
        expectStatus(self, 409);
        assert.equal(typeof self.body.requestId, 'string');
        await api.login(ADMIN.user, ADMIN.password);
      });
    });

    describe('sub-users and business tenancy', () => {
      let a: Awaited<ReturnType<typeof createBusinessAdmin>>;
      let b: Awaited<ReturnType<typeof createBusinessAdmin>>;
      before(async () => {
        a = await createBusinessAdmin(api, admin);
        b = await createBusinessAdmin(api, admin);
      });

      it('lets the system admin create a sub-user only with an approved businessId (else 422 naming it)', async () => {
        const missing = await api.post('/v1/admin/user', { token: admin, body: userBody() });
        expectStatus(missing, 422);
        assert.match(missing.body.message, /businessId/);
        const unknown = await api.post('/v1/admin/user', { token: admin, body: { ...userBody(), businessId: 2147483647 } });
        expectStatus(unknown, 422);
        assert.match(unknown.body.message, /businessId/);
        const sub = await createSubUser(api, admin, { businessId: a.businessId });
        const info = expectStatus(await api.get('/v1/authorization', { token: sub.token }), 200).data;
        assert.equal(info.role, 2);
        assert.equal(info.businessId, a.businessId);
      });

      it('refuses businessId of a pending business', async () => {
        const owner = await createUser(api, admin, { isAdmin: true });
        const pending = await createBusiness(api, owner.token);
        const res = await api.post('/v1/admin/user', { token: admin, body: { ...userBody(), businessId: pending } });
        expectStatus(res, 422);
        assert.match(res.body.message, /businessId/);
      });

      it('lets a business admin (role 3) create approved sub-users in its own business only', async () => {
        assert.equal(expectStatus(await api.get('/v1/authorization', { token: a.token }), 200).data.role, 3);
        const subAdmin = await createSubUser(api, a.token, { isAdmin: true });
        const general = await createSubUser(api, a.token);
        assert.equal(expectStatus(await api.get('/v1/authorization', { token: subAdmin.token }), 200).data.role, 3);
        const info = expectStatus(await api.get('/v1/authorization', { token: general.token }), 200).data;
        assert.equal(info.role, 2);
        assert.equal(info.businessId, a.businessId);
        // Sub-user names share the one namespace, case-insensitively.
        const dup = await api.post('/v1/admin/user', { token: a.token, body: userBody({ user: general.user.toUpperCase() }) });
        expectStatus(dup, 409, 'duplicate sub-user');
        assert.match(dup.body.message, /user/);
        const withBiz = await api.post('/v1/admin/user', { token: a.token, body: { ...userBody(), businessId: b.businessId } });
        expectStatus(withBiz, 422, 'role 3 may not pass businessId');
        assert.match(withBiz.body.message, /businessId/);
        // Role 2 has no admin endpoints.
        expectStatus(await api.get('/v1/admin/user', { token: general.token }), 403);
        expectStatus(await api.post('/v1/admin/user', { token: general.token, body: userBody() }), 403);
      });

      it("shows a business admin only its own business's users; the other business's are 404", async () => {
        const inB = await createSubUser(api, b.token);
        const rows = expectStatus(await api.get('/v1/admin/user?pageSize=0', { token: a.token }), 200);
        assert.ok(rows.data.length >= 1);
        assert.ok(
          rows.data.every((r: { businessId: number }) => r.businessId === a.businessId),
          'only business A',
        );
        assert.equal(rows.total, rows.data.length);
        assert.ok(!rows.data.some((r: { user: string }) => r.user === ADMIN.user));
        expectStatus(
          await api.put(`/v1/admin/user/${inB.id}/password`, { token: a.token, body: { password: strongPassword() } }),
          404,
          'reset across',
        );
        expectStatus(await api.delete(`/v1/admin/user/${inB.id}`, { token: a.token }), 404, 'delete across');
        expectStatus(
          await api.delete(`/v1/admin/user/${adminId}`, { token: a.token }),
          404,
          'system admin is not in the business',
        );
        expectStatus(
          await api.put(`/v1/admin/user/${inB.id}`, { token: a.token, body: { status: 3 } }),
          403,
          'audit is role 4 only',
        );
        expectStatus(await api.get('/v1/authorization', { token: inB.token }), 200, 'untouched');
      });

      it('lets a business admin reset and delete its own users, but not itself', async () => {
        const sub = await createSubUser(api, a.token);
        const next = strongPassword();
        api.secrets.add(next);
        expectStatus(await api.put(`/v1/admin/user/${sub.id}/password`, { token: a.token, body: { password: next } }), 200);
        expectStatus(await api.get('/v1/authorization', { token: sub.token }), 401);
        expectStatus(await api.delete(`/v1/admin/user/${sub.id}`, { token: a.token }), 200);
        expectStatus(await api.delete(`/v1/admin/user/${a.id}`, { token: a.token }), 409, 'self');
      });

      it('refuses to delete the creator of an approved business (409)', async () => {
        const res = await api.delete(`/v1/admin/user/${b.id}`, { token: admin });
        expectStatus(res, 409);
        assert.match(res.body.message, /business/);
        expectStatus(await api.get('/v1/authorization', { token: b.token }), 200);
      });
    });
  });
}
