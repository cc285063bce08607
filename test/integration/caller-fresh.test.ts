import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BusinessStatus, Role, UserStatus } from '../../src/access/roles.js';
import { Api, expectStatus } from '../helpers/client.js';
import { DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { adminToken, createBusinessAdmin, createUser } from '../helpers/users.js';

/**
 * The caller (session + user + business status) is read in one query on every
 * request, never cached (issue #13): a revoked session, a deleted user or a
 * changed status or role fact written straight to the database — no API
 * reaction such as session revocation involved — is seen on the very next
 * request, including through the reused prepared statements.
 */
for (const db of DATABASES) {
  describe(`the caller is read fresh on every request [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      admin = await adminToken(api);
    });
    after(() => hub?.close());
    const kysely = () => hub.hub.services.db.kysely;

    it('sees a session revoked in the database on the next request', async () => {
      const u = await createUser(api, admin);
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 200);
      await kysely().updateTable('sessions').set({ revoked: 1 }).where('user_id', '=', u.id).execute();
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 401);
    });

    it('sees a user deleted in the database on the next request', async () => {
      const u = await createUser(api, admin);
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 200);
      await kysely().deleteFrom('sessions').where('user_id', '=', u.id).execute();
      await kysely().deleteFrom('users').where('id', '=', u.id).execute();
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 401);
    });

    it('sees a status change (forbidden, then approved again) on the next request', async () => {
      const u = await createUser(api, admin);
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 200);
      await kysely().updateTable('users').set({ status: UserStatus.forbidden }).where('id', '=', u.id).execute();
      expectStatus(await api.get('/v1/authorization', { token: u.token }), 401);
      await kysely().updateTable('users').set({ status: UserStatus.approved }).where('id', '=', u.id).execute();
      assert.equal(expectStatus(await api.get('/v1/authorization', { token: u.token }), 200).data.role, Role.approved);
    });

    it("sees the role facts change (is_admin, the business's status) on the next request", async () => {
      const owner = await createBusinessAdmin(api, admin);
      assert.equal(expectStatus(await api.get('/v1/authorization', { token: owner.token }), 200).data.role, Role.businessAdmin);
      expectStatus(await api.get('/v1/admin/user', { token: owner.token }), 200);
      await kysely().updateTable('users').set({ is_admin: 0 }).where('id', '=', owner.id).execute();
      assert.equal(expectStatus(await api.get('/v1/authorization', { token: owner.token }), 200).data.role, Role.member);
      expectStatus(await api.get('/v1/admin/user', { token: owner.token }), 403);
      await kysely().updateTable('users').set({ is_admin: 1 }).where('id', '=', owner.id).execute();
      await kysely()
        .updateTable('businesses')
        .set({ status: BusinessStatus.pending })
        .where('id', '=', owner.businessId)
        .execute();
      assert.equal(expectStatus(await api.get('/v1/authorization', { token: owner.token }), 200).data.role, Role.approved);
      await kysely()
        .updateTable('businesses')
        .set({ status: BusinessStatus.approved })
        .where('id', '=', owner.businessId)
        .execute();
      assert.equal(expectStatus(await api.get('/v1/authorization', { token: owner.token }), 200).data.role, Role.businessAdmin);
    });
  });
}
