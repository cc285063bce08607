import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { makeTenant } from '../helpers/tenants.js';

// Regression: the status of every running application (alerts, pageSize=0) once built one SQL
// term per application, which SQLite refuses above ~500 ("Expression tree is too large").
const COUNT = 1200;

for (const db of DATABASES) {
  describe(`many applications [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    before(async () => {
      hub = await startHub(db, { OTE_REGISTRY_DOMAIN: 'registry.test' });
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      const t = await makeTenant(api, admin);
      // One application through the API, the rest copied in bulk: the listing code paths are what is tested.
      const id = expectStatus(await api.post('/v1/app', { token: t.member.token, body: { appName: 'a0', image: 'proj/x' } }), 200)
        .data.id;
      expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1 } }), 200);
      const k = hub.hub.services.db.kysely;
      const app = await k.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const rev = await k.selectFrom('app_revisions').selectAll().where('app_id', '=', id).executeTakeFirstOrThrow();
      for (let i = 1; i < COUNT; i += 200) {
        const batch = Array.from({ length: Math.min(200, COUNT - i) }, (_, j) => `a${i + j}`);
        const ids = await k
          .insertInto('applications')
          .values(batch.map((n) => ({ ...app, id: undefined, app_name: n, name_key: n })))
          .returning('id')
          .execute();
        await k
          .insertInto('app_revisions')
          .values(ids.map((r) => ({ ...rev, id: undefined, app_id: r.id })))
          .execute();
      }
      // A cluster, so every application has a target to report on.
      expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: 'edge-many' } }), 200);
    });
    after(() => hub?.close());

    it('lists every application with its clusters, and alerts on all of them', async () => {
      const list = expectStatus(await api.get('/v1/app?pageSize=0', { token: admin }), 200);
      assert.equal(list.total, COUNT);
      assert.equal(list.data.length, COUNT);
      assert.ok(list.data.every((r: { targetClusters: number }) => r.targetClusters === 1));
      const alerts = expectStatus(await api.get('/v1/alert?pageSize=0', { token: admin }), 200);
      assert.equal(
        alerts.data.filter((r: { kind: string }) => r.kind === 'app').length,
        COUNT,
        'one per application on the unreachable cluster',
      );
    });
  });
}
