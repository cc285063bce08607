import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterFacts } from '../../src/agent-link/desired-builder.js';
import { appsContributor } from '../../src/apps/desired.js';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { type Tenant, makeTenant } from '../helpers/tenants.js';

/**
 * The rendered-object cache of Application Management's contributor (issue
 * #13): an unchanged application hands every recompute the very same objects
 * (so their JSON and hash are made once), and exactly what changed is
 * rendered again — a new revision, a cluster whose labels move placement, a
 * settings change the renderer reads.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- workload objects are open-ended JSON
type Obj = Record<string, any>;

for (const kind of DATABASES) {
  describe(`rendered objects are cached per revision and render facts [${kind}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let tenant: Tenant;
    const ids: Record<string, number> = {};

    const spec = (appName: string, clusterLabel: string, tag = '1') => ({
      appName,
      image: 'proj/x',
      tag,
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      ingress: { host: `${appName}.example.com`, path: '/', port: 80 },
      clusterLabel,
    });

    before(async () => {
      hub = await startHub(kind, { OTE_REGISTRY_DOMAIN: 'registry.test' });
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { enableIngress: true } }), 200);
      tenant = await makeTenant(api, admin);
      for (const [name, label] of [
        ['every', 'all'],
        ['edge', 'edge'],
      ] as const) {
        ids[name] = expectStatus(await api.post('/v1/app', { token: tenant.admin.token, body: spec(name, label) }), 200).data.id;
        expectStatus(await api.put(`/v1/app/${ids[name]}/audit`, { token: admin, body: { status: 1, comment: '' } }), 200);
      }
    });
    after(() => hub?.close());

    const facts = (id: number, labels: string[]): ClusterFacts => ({ id, name: `c${id}`, paused: false, labels });
    const objectsOf = (m: ReadonlyMap<number, { workloads?: Obj[] }>, cluster: number, app: string) =>
      (m.get(cluster)?.workloads ?? []).filter((o) => o.metadata.name === app);

    it('hands out the same objects until something they are made of changes', async () => {
      const { db, settings } = hub.hub.services;
      const contributor = appsContributor(settings, 'registry.test');
      const k = db.kysely;
      const clusters = [facts(1, ['edge']), facts(2, [])];

      const r1 = await contributor.contribute(k, clusters);
      const every1 = objectsOf(r1, 1, 'every');
      assert.deepEqual(
        every1.map((o) => o.kind),
        ['Deployment', 'Service', 'Ingress'],
      );
      assert.ok(
        objectsOf(r1, 2, 'every').every((o, i) => o === every1[i]),
        'clusters that render alike share the objects',
      );
      assert.equal(objectsOf(r1, 2, 'edge').length, 0, 'edge runs only where the label is');

      const r2 = await contributor.contribute(k, clusters);
      assert.ok(
        objectsOf(r2, 1, 'every').every((o, i) => o === every1[i]),
        'a recompute with no change renders nothing',
      );
      const edge1 = objectsOf(r2, 1, 'edge');

      // A new revision of one application: only its objects are new.
      expectStatus(await api.put(`/v1/app/${ids.every}`, { token: tenant.admin.token, body: spec('every', 'all', '2') }), 200);
      expectStatus(await api.put(`/v1/app/${ids.every}/audit`, { token: admin, body: { status: 1, comment: '' } }), 200);
      const r3 = await contributor.contribute(k, clusters);
      const every3 = objectsOf(r3, 1, 'every');
      assert.notEqual(every3[0], every1[0]);
      assert.match(every3[0].spec.template.spec.containers[0].image, /:2$/);
      assert.ok(
        objectsOf(r3, 1, 'edge').every((o, i) => o === edge1[i]),
        'the other application is untouched',
      );

      // A label change on one cluster: it gains the edge application; the other cluster's objects stay.
      const r4 = await contributor.contribute(k, [facts(1, ['edge']), facts(2, ['edge'])]);
      assert.ok(
        objectsOf(r4, 2, 'edge').every((o, i) => o === edge1[i]),
        'the newly placed cluster gets the cached render',
      );
      assert.ok(objectsOf(r4, 1, 'every').every((o, i) => o === every3[i]));

      // A settings change the renderer reads: every object is rendered anew, without the Ingress.
      expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { enableIngress: false } }), 200);
      const r5 = await contributor.contribute(k, clusters);
      const every5 = objectsOf(r5, 1, 'every');
      assert.deepEqual(
        every5.map((o) => o.kind),
        ['Deployment', 'Service'],
      );
      assert.notEqual(every5[0], every3[0]);
      assert.deepEqual(every5[0], every3[0], 'same content, new render');
    });
  });
}
