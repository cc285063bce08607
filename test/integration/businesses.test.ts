import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { approvedUser, auditBusiness, createBusiness, makeTenant, pendingUser, subUser, uniqueName } from '../helpers/tenants.js';

const body = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  introduce: 'edge video analytics',
  objective: 'run inference next to the cameras',
  scale: '1400000000',
  ...extra,
});

for (const db of DATABASES) {
  describe(`business management (API.md §4) [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
    });
    after(() => hub?.close());

    const whoami = async (token: string) => expectStatus(await api.get('/v1/authorization', { token }), 200).data;

    it('registration -> approval -> business -> business approval -> sub-users, roles changing under the same token', async () => {
      const owner = await pendingUser(api, { isAdmin: true });
      assert.equal((await whoami(owner.token)).role, 0);
      expectStatus(await api.post('/v1/business', { token: owner.token, body: body(uniqueName('b')) }), 403, 'pending');

      expectStatus(await api.put(`/v1/admin/user/${owner.id}`, { token: admin, body: { status: 1 } }), 200);
      assert.deepEqual(
        { role: (await whoami(owner.token)).role, businessId: (await whoami(owner.token)).businessId },
        { role: 1, businessId: null },
      );

      const name = uniqueName('Flow');
      const id = expectStatus(await api.post('/v1/business', { token: owner.token, body: body(name) }), 200).data.id;
      assert.ok(Number.isInteger(id) && id > 0);
      // A member of a pending business: still role 1, but the business is its own.
      assert.deepEqual((({ role, businessId }) => ({ role, businessId }))(await whoami(owner.token)), {
        role: 1,
        businessId: id,
      });
      const mine = expectStatus(await api.get('/v1/business', { token: owner.token }), 200);
      assert.equal(mine.total, 1);
      assert.deepEqual(Object.keys(mine.data[0]).sort(), [
        'comment',
        'createTime',
        'id',
        'name',
        'status',
        'updateTime',
        'userId',
      ]);
      assert.deepEqual(
        {
          id: mine.data[0].id,
          name: mine.data[0].name,
          userId: mine.data[0].userId,
          status: mine.data[0].status,
          comment: mine.data[0].comment,
        },
        { id, name, userId: owner.id, status: 0, comment: '' },
      );
      const detail = expectStatus(await api.get(`/v1/business/id/${id}`, { token: owner.token }), 200).data;
      assert.equal(detail.introduce, 'edge video analytics');
      assert.equal(detail.objective, 'run inference next to the cameras');
      assert.equal(detail.scale, '1400000000');
      assert.ok(detail.createTime > 1_600_000_000 && detail.createTime === detail.updateTime);
      // A role-1 business admin cannot make sub-users yet.
      expectStatus(await api.post('/v1/admin/user', { token: owner.token, body: {} }), 403);

      expectStatus(await api.put(`/v1/business/id/${id}`, { token: admin, body: { status: 1, comment: 'welcome' } }), 200);
      assert.deepEqual((({ role, businessId }) => ({ role, businessId }))(await whoami(owner.token)), {
        role: 3,
        businessId: id,
      });
      const audited = expectStatus(await api.get(`/v1/business/id/${id}`, { token: owner.token }), 200).data;
      assert.equal(audited.status, 1);
      assert.equal(audited.comment, 'welcome');
      assert.ok(audited.updateTime >= audited.createTime);

      const member = await subUser(api, owner.token);
      const subAdmin = await subUser(api, owner.token, { isAdmin: true });
      assert.deepEqual((({ role, businessId }) => ({ role, businessId }))(await whoami(member.token)), {
        role: 2,
        businessId: id,
      });
      assert.deepEqual((({ role, businessId }) => ({ role, businessId }))(await whoami(subAdmin.token)), {
        role: 3,
        businessId: id,
      });
      // Members see their business; the owner's list of users is its business.
      assert.equal(expectStatus(await api.get(`/v1/business/id/${id}`, { token: member.token }), 200).data.name, name);
      const users = expectStatus(await api.get('/v1/admin/user?pageSize=0', { token: owner.token }), 200);
      assert.deepEqual(
        users.data.map((u: { id: number }) => u.id).sort((x: number, y: number) => x - y),
        [owner.id, member.id, subAdmin.id],
      );
      assert.ok(users.data.every((u: { businessId: number }) => u.businessId === id));
    });

    it('refuses users who may not create a business: non-admins 403, one with a pending or approved business 409', async () => {
      const plain = await approvedUser(api, admin, { isAdmin: false });
      expectStatus(await api.post('/v1/business', { token: plain.token, body: body(uniqueName('b')) }), 403, 'non-admin');
      expectStatus(await api.post('/v1/business', { token: admin, body: body(uniqueName('b')) }), 403, 'system admin');
      expectStatus(await api.post('/v1/business', { body: body(uniqueName('b')) }), 401, 'anonymous');

      const owner = await approvedUser(api, admin, { isAdmin: true });
      const id = await createBusiness(api, owner.token);
      const again = expectStatus(await api.post('/v1/business', { token: owner.token, body: body(uniqueName('b')) }), 409);
      assert.match(again.message, /pending business/);
      await auditBusiness(api, admin, id, 1);
      const role3 = expectStatus(
        await api.post('/v1/business', { token: owner.token, body: body(uniqueName('b')) }),
        409,
        'role 3',
      );
      assert.match(role3.message, /^you already have an approved business \(id \d+\)$/);
      const member = await subUser(api, owner.token);
      expectStatus(await api.post('/v1/business', { token: member.token, body: body(uniqueName('b')) }), 403, 'role 2');
      const subAdmin = await subUser(api, owner.token, { isAdmin: true });
      expectStatus(await api.post('/v1/business', { token: subAdmin.token, body: body(uniqueName('b')) }), 409, 'sub-admin');
      const list = expectStatus(await api.get('/v1/business', { token: owner.token }), 200);
      assert.equal(list.total, 1, 'nothing was created by the refused calls');
    });

    it('creates one business when the same user asks twice at once', async () => {
      const owner = await approvedUser(api, admin, { isAdmin: true });
      const results = await Promise.all(
        [1, 2, 3].map((i) => api.post('/v1/business', { token: owner.token, body: body(uniqueName(`race${i}`)) })),
      );
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409]);
      assert.equal(expectStatus(await api.get('/v1/business', { token: owner.token }), 200).total, 1);
    });

    it('keeps names unique case-insensitively among businesses that are not deleted', async () => {
      const name = uniqueName('Acme');
      const first = await approvedUser(api, admin, { isAdmin: true });
      const id = await createBusiness(api, first.token, name);
      for (const taken of [name, name.toUpperCase(), name.toLowerCase()]) {
        const other = await approvedUser(api, admin, { isAdmin: true });
        const res = expectStatus(await api.post('/v1/business', { token: other.token, body: body(taken) }), 409, taken);
        assert.match(res.message, /^name: /);
      }
      // Names are stored as given.
      assert.equal(expectStatus(await api.get(`/v1/business/id/${id}`, { token: admin }), 200).data.name, name);
      // Disapproved still holds its name; deleted frees it.
      await auditBusiness(api, admin, id, 2);
      const other = await approvedUser(api, admin, { isAdmin: true });
      expectStatus(await api.post('/v1/business', { token: other.token, body: body(name.toUpperCase()) }), 409);
      expectStatus(await api.delete(`/v1/business/id/${id}`, { token: admin }), 200);
      const reused = expectStatus(await api.post('/v1/business', { token: other.token, body: body(name.toUpperCase()) }), 200);
      assert.notEqual(reused.data.id, id);
    });

    it('validates bodies: name 1-64 characters, the other fields strings, no unknown fields (422 naming them)', async () => {
      const owner = await approvedUser(api, admin, { isAdmin: true });
      const cases: [Record<string, unknown>, string][] = [
        [body(''), 'name'],
        [body('x'.repeat(65)), 'name'],
        [body('   '), 'name'],
        [body('tab\there'), 'name'],
        [body(uniqueName(), { status: 1 }), 'status'],
        [body(uniqueName(), { userId: owner.id }), 'userId'],
        [body(uniqueName(), { id: 5 }), 'id'],
        [body(uniqueName(), { scale: 1400000000 }), 'scale'],
        [body(uniqueName(), { introduce: 'x'.repeat(1025) }), 'introduce'],
        [{ name: uniqueName(), introduce: '', objective: '' }, 'scale'],
      ];
      for (const [b, field] of cases) {
        const res = expectStatus(
          await api.post('/v1/business', { token: owner.token, body: b }),
          422,
          JSON.stringify(b).slice(0, 80),
        );
        assert.ok(res.message.includes(`${field}: `), `the message names ${field}: ${res.message}`);
        assert.ok(field in res.fields);
      }
      assert.equal(expectStatus(await api.get('/v1/business', { token: owner.token }), 200).total, 0, 'nothing half-made');
      // The limits themselves are accepted; empty free text too (the seed's `objective: ""`).
      const max = `${'x'.repeat(60)}${uniqueName('').slice(-4)}`;
      assert.equal(max.length, 64);
      expectStatus(
        await api.post('/v1/business', { token: owner.token, body: body(max, { objective: '', introduce: '' }) }),
        200,
      );
    });

    it('audits pending businesses only (409 otherwise), as role 4 only, with a valid body', async () => {
      const t = await makeTenant(api, admin);
      const again = expectStatus(
        await api.put(`/v1/business/id/${t.businessId}`, { token: admin, body: { status: 2, comment: 'no' } }),
        409,
      );
      assert.match(again.message, /approved/);
      expectStatus(
        await api.put(`/v1/business/id/${t.businessId}`, { token: t.admin.token, body: { status: 1, comment: '' } }),
        403,
      );
      expectStatus(await api.put('/v1/business/id/999999', { token: admin, body: { status: 1, comment: '' } }), 404);
      const owner = await approvedUser(api, admin, { isAdmin: true });
      const id = await createBusiness(api, owner.token);
      for (const [b, field] of [
        [{ status: 3, comment: '' }, 'status'],
        [{ status: 0, comment: '' }, 'status'],
        [{ status: 1 }, 'comment'],
        [{ status: 1, comment: '', name: 'x' }, 'name'],
      ] as const) {
        const res = expectStatus(await api.put(`/v1/business/id/${id}`, { token: admin, body: b }), 422);
        assert.ok(res.message.includes(`${field}: `), res.message);
      }
      const badId = expectStatus(await api.put('/v1/business/id/abc', { token: admin, body: { status: 1, comment: '' } }), 422);
      assert.match(badId.message, /id/);
      expectStatus(await api.get('/v1/business/id/1.5', { token: admin }), 422);
      await auditBusiness(api, admin, id, 2);
      expectStatus(
        await api.put(`/v1/business/id/${id}`, { token: admin, body: { status: 1, comment: '' } }),
        409,
        'disapproved',
      );
      const row = expectStatus(await api.get(`/v1/business/id/${id}`, { token: owner.token }), 200).data;
      assert.equal(row.status, 2, 'the refused audit changed nothing');
    });

    it("lets a disapproved business's creator apply again", async () => {
      const owner = await approvedUser(api, admin, { isAdmin: true });
      const first = await createBusiness(api, owner.token);
      await auditBusiness(api, admin, first, 2);
      assert.equal((await whoami(owner.token)).role, 1);
      const second = await createBusiness(api, owner.token);
      assert.equal((await whoami(owner.token)).businessId, second);
      await auditBusiness(api, admin, second, 1);
      assert.equal((await whoami(owner.token)).role, 3);
      // It still sees the disapproved one it created.
      const mine = expectStatus(await api.get('/v1/business?order=desc', { token: owner.token }), 200);
      assert.deepEqual(
        mine.data.map((b: { id: number; status: number }) => [b.id, b.status]),
        [
          [second, 1],
          [first, 2],
        ],
      );
    });

    it('lists: role 4 all, others their own; name substring filter (case-insensitive), paging, order', async () => {
      const tag = uniqueName('List').toLowerCase();
      const tenants = [];
      for (const n of ['Alpha', 'beta', 'GAMMA']) tenants.push(await makeTenant(api, admin, `${n}-${tag}`));
      const all = expectStatus(await api.get(`/v1/business?name=${tag.toUpperCase()}&pageSize=0`, { token: admin }), 200);
      assert.equal(all.total, 3);
      assert.deepEqual(
        all.data.map((b: { id: number }) => b.id),
        tenants.map((t) => t.businessId),
      );
      const p2 = expectStatus(await api.get(`/v1/business?name=${tag}&pageSize=2&page=2&order=desc`, { token: admin }), 200);
      assert.equal(p2.total, 3);
      assert.deepEqual(
        p2.data.map((b: { id: number }) => b.id),
        [tenants[0].businessId],
      );
      const gamma = expectStatus(await api.get(`/v1/business?name=mMa-${tag}`, { token: admin }), 200);
      assert.deepEqual(
        gamma.data.map((b: { name: string }) => b.name),
        [`GAMMA-${tag}`],
      );
      // A literal % is not a wildcard.
      assert.equal(expectStatus(await api.get('/v1/business?name=%25', { token: admin }), 200).total, 0);
      for (const t of tenants) {
        for (const token of [t.admin.token, t.member.token]) {
          const own = expectStatus(await api.get('/v1/business?pageSize=0', { token }), 200);
          assert.deepEqual(
            own.data.map((b: { id: number }) => b.id),
            [t.businessId],
          );
          assert.equal(own.total, 1);
        }
      }
      const loner = await approvedUser(api, admin, { isAdmin: true });
      assert.deepEqual(expectStatus(await api.get('/v1/business', { token: loner.token }), 200), {
        code: 200,
        message: 'success',
        data: [],
        total: 0,
      });
      for (const q of ['orderBy=name', 'order=up', 'pageSize=1001', 'page=0', `name=${'x'.repeat(65)}`]) {
        const res = expectStatus(await api.get(`/v1/business?${q}`, { token: admin }), 422, q);
        assert.ok(res.message.includes(`${q.split('=')[0]}: `), res.message);
      }
    });
  });
}
