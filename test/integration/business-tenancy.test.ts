import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DesiredStateBus } from '../../src/agent-link/desired-bus.js';
import { desiredNamespaces, loadDesiredNamespaces } from '../../src/businesses/desired.js';
import { Conflict } from '../../src/http/errors.js';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { approvedUser, auditBusiness, createBusiness, makeTenant, newPassword, subUser, uniqueName } from '../helpers/tenants.js';

const sub = (extra: Record<string, unknown> = {}) => ({
  user: uniqueName('s'),
  password: newPassword(),
  phone: '+8613800000001',
  realName: 'Sub User',
  isAdmin: false,
  ...extra,
});

for (const db of DATABASES) {
  describe(`tenancy, deletion and desired namespaces of businesses [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
    });
    after(() => hub?.close());

    const whoami = async (token: string) => {
      const d = expectStatus(await api.get('/v1/authorization', { token }), 200).data;
      return { role: d.role, businessId: d.businessId };
    };

    it("isolates tenants: B's admin and member get 404 for A's business and A's users on every endpoint", async () => {
      const a = await makeTenant(api, admin);
      const b = await makeTenant(api, admin);
      for (const token of [b.admin.token, b.member.token]) {
        expectStatus(await api.get(`/v1/business/id/${a.businessId}`, { token }), 404);
        const list = expectStatus(await api.get(`/v1/business?name=${encodeURIComponent(a.name)}`, { token }), 200);
        assert.equal(list.total, 0);
      }
      for (const victim of [a.admin, a.member]) {
        const listed = expectStatus(await api.get(`/v1/admin/user?user=${victim.user}`, { token: b.admin.token }), 200);
        assert.equal(listed.total, 0, "A's users are not in B's list");
        expectStatus(
          await api.put(`/v1/admin/user/${victim.id}/password`, { token: b.admin.token, body: { password: newPassword() } }),
          404,
        );
        expectStatus(await api.delete(`/v1/admin/user/${victim.id}`, { token: b.admin.token }), 404);
        expectStatus(await api.put(`/v1/admin/user/${victim.id}`, { token: b.admin.token, body: { status: 3 } }), 403);
        // Untouched: the victim still logs in with its own password.
        await api.login(victim.user, victim.password);
      }
      const all = expectStatus(await api.get('/v1/admin/user?pageSize=0', { token: b.admin.token }), 200);
      assert.deepEqual(
        all.data.map((u: { id: number }) => u.id).sort((x: number, y: number) => x - y),
        [b.admin.id, b.member.id],
      );
      // A role 3 cannot plant a user in another business.
      const planted = expectStatus(
        await api.post('/v1/admin/user', { token: b.admin.token, body: sub({ businessId: a.businessId }) }),
        422,
      );
      assert.match(planted.message, /businessId: /);
      // The system administrator is not in B: 404, not 409.
      expectStatus(await api.delete('/v1/admin/user/1', { token: b.admin.token }), 404);
      // Positive control: A's admin manages A's member.
      expectStatus(
        await api.put(`/v1/admin/user/${a.member.id}/password`, { token: a.admin.token, body: { password: newPassword() } }),
        200,
      );
      expectStatus(await api.delete(`/v1/admin/user/${a.member.id}`, { token: a.admin.token }), 200);
    });

    it('lets role 4 create sub-users only in an approved business (422 naming businessId otherwise)', async () => {
      const owner = await approvedUser(api, admin, { isAdmin: true });
      const pending = await createBusiness(api, owner.token);
      const refused = await approvedUser(api, admin, { isAdmin: true });
      const disapproved = await createBusiness(api, refused.token);
      await auditBusiness(api, admin, disapproved, 2);
      const gone = await makeTenant(api, admin);
      expectStatus(await api.delete(`/v1/business/id/${gone.businessId}`, { token: admin }), 200);
      for (const businessId of [undefined, pending, disapproved, gone.businessId, 999_999]) {
        const res = expectStatus(
          await api.post('/v1/admin/user', { token: admin, body: sub(businessId === undefined ? {} : { businessId }) }),
          422,
          `businessId ${businessId}`,
        );
        assert.match(res.message, /^businessId: /);
      }
      await auditBusiness(api, admin, pending, 1);
      const member = await subUser(api, admin, { businessId: pending });
      assert.deepEqual(await whoami(member.token), { role: 2, businessId: pending });
    });

    it("refuses to delete an approved business's creator (409) until the business is deleted", async () => {
      const t = await makeTenant(api, admin);
      const subAdmin = await subUser(api, t.admin.token, { isAdmin: true });
      for (const token of [admin, subAdmin.token]) {
        const res = expectStatus(await api.delete(`/v1/admin/user/${t.admin.id}`, { token }), 409);
        assert.match(res.message, /business/);
      }
      expectStatus(await api.delete(`/v1/admin/user/${t.admin.id}`, { token: t.admin.token }), 409, 'itself');
      expectStatus(await api.delete(`/v1/business/id/${t.businessId}`, { token: admin }), 200);
      expectStatus(await api.delete(`/v1/admin/user/${t.admin.id}`, { token: admin }), 200);
    });

    it("withdraws a deleted user's pending application (status 3, name free again)", async () => {
      const owner = await approvedUser(api, admin, { isAdmin: true });
      const name = uniqueName('Withdrawn');
      const id = await createBusiness(api, owner.token, name);
      expectStatus(await api.delete(`/v1/admin/user/${owner.id}`, { token: admin }), 200);
      assert.equal(expectStatus(await api.get(`/v1/business/id/${id}`, { token: admin }), 200).data.status, 3);
      expectStatus(await api.put(`/v1/business/id/${id}`, { token: admin, body: { status: 1, comment: '' } }), 409);
      const next = await approvedUser(api, admin, { isAdmin: true });
      await createBusiness(api, next.token, name);
    });

    it('deletes a business: status 3, members drop to role 1 under the same tokens, as role 4 only', async () => {
      const t = await makeTenant(api, admin);
      const subAdmin = await subUser(api, t.admin.token, { isAdmin: true });
      expectStatus(await api.delete(`/v1/business/id/${t.businessId}`, { token: t.admin.token }), 403);
      expectStatus(await api.delete(`/v1/business/id/${t.businessId}`, { token: t.member.token }), 403);
      assert.deepEqual(await whoami(t.admin.token), { role: 3, businessId: t.businessId });

      expectStatus(await api.delete(`/v1/business/id/${t.businessId}`, { token: admin }), 200);
      for (const u of [t.admin, t.member, subAdmin]) {
        assert.deepEqual(await whoami(u.token), { role: 1, businessId: null }, u.user);
      }
      expectStatus(await api.get('/v1/admin/user', { token: t.admin.token }), 403, 'no longer an admin');
      const row = expectStatus(await api.get(`/v1/business/id/${t.businessId}`, { token: admin }), 200).data;
      assert.equal(row.status, 3);
      // The creator still sees what it created; former members do not.
      assert.equal(expectStatus(await api.get(`/v1/business/id/${t.businessId}`, { token: t.admin.token }), 200).data.status, 3);
      expectStatus(await api.get(`/v1/business/id/${t.businessId}`, { token: t.member.token }), 404);
      const users = expectStatus(await api.get(`/v1/admin/user?user=${t.member.user}`, { token: admin }), 200).data;
      assert.deepEqual([users[0].role, users[0].businessId], [1, null]);

      expectStatus(await api.delete(`/v1/business/id/${t.businessId}`, { token: admin }), 409, 'already deleted');
      expectStatus(await api.delete('/v1/business/id/999999', { token: admin }), 404);
      // The creator (isAdmin) may apply again; a former general member may not.
      await createBusiness(api, t.admin.token);
      expectStatus(
        await api.post('/v1/business', {
          token: t.member.token,
          body: { name: uniqueName(), introduce: '', objective: '', scale: '' },
        }),
        403,
      );
    });

    it('leaves no member in a business deleted while sub-users are being created in it', async () => {
      for (let round = 0; round < 3; round++) {
        const t = await makeTenant(api, admin);
        const bodies = Array.from({ length: 8 }, () => sub());
        for (const b of bodies) api.secrets.add(b.password);
        // Half by role 4 (with businessId), half by the business's own admin (role 3).
        const creations = bodies.map((b, i) =>
          api.post('/v1/admin/user', {
            token: i % 2 ? t.admin.token : admin,
            body: i % 2 ? b : { ...b, businessId: t.businessId },
          }),
        );
        const deletion = api.delete(`/v1/business/id/${t.businessId}`, { token: admin });
        const results = await Promise.all(creations);
        expectStatus(await deletion, 200, 'the deletion');
        for (const [i, r] of results.entries()) {
          // Made before the deletion (then dropped with the others), or refused after it.
          assert.ok([200, 403, 409, 422].includes(r.status), `creation ${i}: ${r.status} ${r.text}`);
          if (r.status === 422) assert.match(r.body.message, /^businessId: /);
        }
        const all = expectStatus(await api.get('/v1/admin/user?pageSize=0', { token: admin }), 200).data;
        const left = all.filter((u: { businessId: number | null }) => u.businessId === t.businessId);
        assert.deepEqual(
          left.map((u: { user: string }) => u.user),
          [],
          `round ${round}: members left in the deleted business`,
        );
      }
    });

    it('never leaves a live business without its creator when the creator is deleted while it is approved or applied for', async () => {
      const statusOf = async (id: number) =>
        expectStatus(await api.get(`/v1/business/id/${id}`, { token: admin }), 200).data.status as number;
      for (let round = 0; round < 12; round++) {
        // Approval racing the creator's deletion: one of them must be refused.
        const owner = await approvedUser(api, admin, { isAdmin: true });
        const pending = await createBusiness(api, owner.token);
        const [approve, del] = await Promise.all([
          api.put(`/v1/business/id/${pending}`, { token: admin, body: { status: 1, comment: '' } }),
          api.delete(`/v1/admin/user/${owner.id}`, { token: admin }),
        ]);
        if (del.status === 200)
          assert.equal(await statusOf(pending), 3, `round ${round}: creator deleted, business ${approve.status}`);
        else expectStatus(del, 409, `round ${round}: deletion refused because approved`);

        // An application racing the applicant's deletion: no live business of a deleted user.
        const applicant = await approvedUser(api, admin, { isAdmin: true });
        const body = { name: uniqueName('race'), introduce: '', objective: '', scale: '' };
        const [created, gone] = await Promise.all([
          api.post('/v1/business', { token: applicant.token, body }),
          api.delete(`/v1/admin/user/${applicant.id}`, { token: admin }),
        ]);
        expectStatus(gone, 200, `round ${round}: the applicant's deletion`);
        if (created.status === 200) assert.equal(await statusOf(created.body.data.id), 3, `round ${round}: withdrawn`);
        else expectStatus(created, 401, `round ${round}: the application of a deleted user`);
      }
    });

    it('lets other domains refuse a deletion through the onDelete hooks (409, nothing changed)', async () => {
      const t = await makeTenant(api, admin);
      hub.hub.services.businesses.onDelete(async (trx, businessId) => {
        if (businessId !== t.businessId) return;
        // Reads inside the deletion's transaction, as a project check will.
        const row = await trx.selectFrom('businesses').select('status').where('id', '=', businessId).executeTakeFirstOrThrow();
        throw new Conflict(`business ${businessId} still has projects (status seen: ${row.status})`, { projects: ['demo'] });
      });
      const res = expectStatus(await api.delete(`/v1/business/id/${t.businessId}`, { token: admin }), 409);
      assert.match(res.message, /still has projects/);
      assert.deepEqual(res.projects, ['demo']);
      assert.equal(expectStatus(await api.get(`/v1/business/id/${t.businessId}`, { token: admin }), 200).data.status, 1);
      assert.deepEqual(await whoami(t.member.token), { role: 2, businessId: t.businessId });
      assert.deepEqual(await whoami(t.admin.token), { role: 3, businessId: t.businessId });
    });

    it('wakes the desired-state bus after each committed status change, and the namespaces follow', async () => {
      const calls: { clusters: 'all' | readonly number[]; namespaces: Promise<string[]> }[] = [];
      const link = hub.hub.services.agentLink;
      const original = link.changed.bind(link);
      const recording: DesiredStateBus['changed'] = (clusters) => {
        // Read from another connection right away: the change must already be committed.
        calls.push({ clusters, namespaces: loadDesiredNamespaces(hub.hub.services.db.kysely) });
        original(clusters);
      };
      link.changed = recording;
      try {
        const owner = await approvedUser(api, admin, { isAdmin: true });
        const id = await createBusiness(api, owner.token);
        assert.equal(calls.length, 0, 'a pending business changes no desired state');
        await auditBusiness(api, admin, id, 1);
        assert.equal(calls.length, 1);
        assert.equal(calls[0].clusters, 'all');
        assert.ok((await calls[0].namespaces).includes(`ns${id}`), 'approval is visible when the bus is woken');
        expectStatus(await api.put(`/v1/business/id/${id}`, { token: admin, body: { status: 1, comment: '' } }), 409);
        assert.equal(calls.length, 1, 'a refused audit wakes nothing');

        const other = await approvedUser(api, admin, { isAdmin: true });
        const refused = await createBusiness(api, other.token);
        await auditBusiness(api, admin, refused, 2);
        assert.equal(calls.length, 2);
        assert.ok(!(await calls[1].namespaces).includes(`ns${refused}`));

        expectStatus(await api.delete(`/v1/business/id/${id}`, { token: admin }), 200);
        assert.equal(calls.length, 3);
        assert.ok(!(await calls[2].namespaces).includes(`ns${id}`), 'deletion is visible when the bus is woken');

        // The loader agrees with the pure function over every business the API lists.
        const all = expectStatus(await api.get('/v1/business?pageSize=0', { token: admin }), 200).data;
        assert.deepEqual(await loadDesiredNamespaces(hub.hub.services.db.kysely), desiredNamespaces(all));
      } finally {
        link.changed = original;
      }
    });

    it('writes an audit log row for every business action, with the caller and the result', async () => {
      const owner = await approvedUser(api, admin, { isAdmin: true });
      const id = await createBusiness(api, owner.token);
      expectStatus(await api.post('/v1/business', { token: owner.token, body: { name: '' } }), 422);
      await auditBusiness(api, admin, id, 1);
      expectStatus(await api.put(`/v1/business/id/${id}`, { token: owner.token, body: { status: 1, comment: '' } }), 403);
      expectStatus(await api.delete(`/v1/business/id/${id}`, { token: admin }), 200);
      expectStatus(await api.get(`/v1/business/id/${id}`, { token: admin }), 200);

      const rows = async (action: string) =>
        expectStatus(
          await api.get(`/v1/admin/audit?pageSize=0&order=asc&action=${encodeURIComponent(action)}`, { token: admin }),
          200,
        ).data as { userId: number | null; user: string; target: string; result: number }[];
      const creates = (await rows('POST /v1/business')).filter((r) => r.userId === owner.id);
      assert.deepEqual(
        creates.map((r) => [r.user, r.target, r.result]),
        [
          [owner.user, '/v1/business', 200],
          [owner.user, '/v1/business', 422],
        ],
      );
      const audits = (await rows('PUT /v1/business/id/:id')).filter((r) => r.target === `/v1/business/id/${id}`);
      assert.deepEqual(
        audits.map((r) => [r.userId, r.result]),
        [
          [1, 200],
          [owner.id, 403],
        ],
      );
      const deletes = (await rows('DELETE /v1/business/id/:id')).filter((r) => r.target === `/v1/business/id/${id}`);
      assert.deepEqual(
        deletes.map((r) => [r.user, r.result]),
        [[ADMIN.user, 200]],
      );
      const reads = await rows('GET /v1/business/id/:id');
      assert.equal(reads.length, 0, 'reads are not audited');
    });
  });
}
