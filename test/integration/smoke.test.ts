import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';

for (const db of DATABASES) {
  describe(`hub basics [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
    });
    after(() => hub?.close());

    it('serves health, readiness, metrics and the OpenAPI document', async () => {
      expectStatus(await api.get('/healthz'), 200);
      expectStatus(await api.get('/readyz'), 200);
      const metrics = await api.get('/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /ote_http_requests_total/);
      const doc = await api.get('/v1/openapi.json');
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi.slice(0, 2), '3.');
      assert.ok(doc.body.paths['/v1/admin/user'], 'the document lists the user routes');
      const docs = await api.get('/docs/');
      assert.equal(docs.status, 200);
      assert.match(docs.text, /swagger/i);
    });

    it('lets the bootstrap administrator log in with role 4', async () => {
      const token = await api.login(ADMIN.user, ADMIN.password);
      const info = expectStatus(await api.get('/v1/authorization', { token }), 200);
      assert.equal(info.data.role, 4);
      assert.equal(info.data.businessId, null);
    });
  });
}
