import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOteClient } from '../../client/index.js';
import { typedClient } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';

/** The typed client (client/index.ts, openapi-fetch over the generated paths) against a real hub. */
for (const db of DATABASES) {
  describe(`typed client [${db}]`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await startHub(db);
    });
    after(async () => hub?.close());

    it('logs in, lists with and without a query, and reads an error envelope', async () => {
      const anon = createOteClient(hub.url);
      const login = await anon.POST('/v1/authorization', { body: { user: ADMIN.user, password: ADMIN.password } });
      assert.equal(login.response.status, 200);
      const token = login.data?.token;
      assert.ok(token);

      let current: string | null = token;
      const ote = typedClient(hub.url, { token: () => current });
      const me = await ote.GET('/v1/authorization');
      assert.equal(me.data?.data.role, 4);
      assert.equal(me.data?.data.displayName, ADMIN.user);

      const created = await ote.POST('/v1/cluster', { body: { clusterName: 'typed-client' } });
      assert.equal(created.response.status, 200, JSON.stringify(created.error));
      const all = await ote.GET('/v1/cluster');
      assert.equal(all.data?.total, 1);
      const paged = await ote.GET('/v1/cluster', { params: { query: { pageSize: 1, order: 'desc' } } });
      assert.deepEqual(
        paged.data?.data.map((c) => c.clusterName),
        ['typed-client'],
      );

      const missing = await ote.DELETE('/v1/cluster/{clusterName}', { params: { path: { clusterName: 'nope' } } });
      assert.equal(missing.response.status, 404);
      assert.equal(missing.data, undefined);

      current = null;
      const anonymous = await ote.GET('/v1/cluster');
      assert.equal(anonymous.response.status, 401);
    });

    it('has the conformance check in the test flavour fail on an answer the document does not describe', async () => {
      // A wrong document for this hub: listClusters without its 401.
      const { conformanceOf } = await import('../helpers/conformance.js');
      const c = await conformanceOf(hub.url);
      const saved = c.doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
      const responses = saved['/v1/cluster'].get.responses;
      const declared = responses['401'];
      delete responses['401'];
      try {
        await assert.rejects(typedClient(hub.url).GET('/v1/cluster'), /answered 401, which the document does not declare/);
      } finally {
        responses['401'] = declared;
      }
    });
  });
}
