import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { makeTenant } from '../helpers/tenants.js';

for (const db of DATABASES) {
  describe(`businesses [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
    });
    after(() => hub?.close());

    it('makeTenant gives an approved business with a role-3 admin and a role-2 member', async () => {
      const t = await makeTenant(api, admin);
      const a = expectStatus(await api.get('/v1/authorization', { token: t.admin.token }), 200).data;
      assert.equal(a.role, 3);
      assert.equal(a.businessId, t.businessId);
      const m = expectStatus(await api.get('/v1/authorization', { token: t.member.token }), 200).data;
      assert.equal(m.role, 2);
      assert.equal(m.businessId, t.businessId);
    });
  });
}
