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
      const alike = await contributor.contribute(k, [facts(1, ['edge']), facts(3, ['edge']), facts(2, [])]);
      assert.equal(alike.get(1)?.workloads, alike.get(3)?.workloads, 'clusters that run the same objects share one list');
      assert.ok(Object.isFrozen(alike.get(1)?.workloads), 'frozen, so the agent link hashes it once');
      assert.notEqual(alike.get(2)?.workloads, alike.get(1)?.workloads);
      assert.deepEqual(alike.get(2)?.workloads, every1);

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

    it('never hands one cluster the render of another whose overrides or name differ', async () => {
      const { db, settings } = hub.hub.services;
      const k = db.kysely;
      const contributor = appsContributor(settings, 'registry.test');
      // A contributor with no cache yet renders every object from scratch: the truth to compare with.
      const fresh = (cs: ClusterFacts[]) => appsContributor(settings, 'registry.test').contribute(k, cs);
      const named = (id: number, name: string, labels: string[]): ClusterFacts => ({ id, name, paused: false, labels });
      const deploy = (m: ReadonlyMap<number, { workloads?: Obj[] }>, cluster: number, app: string) =>
        objectsOf(m, cluster, app).find((o) => o.kind === 'Deployment');
      const env = (d: Obj | undefined) =>
        Object.fromEntries((d?.spec.template.spec.containers[0].env ?? []).map((e: Obj) => [e.name, e.value]));
      const image = (d: Obj | undefined) => d?.spec.template.spec.containers[0].image as string;

      // No ingress: the test before turned the setting off.
      const plain = (appName: string) => ({ appName, image: 'proj/x', tag: '1', clusterLabel: 'all' });
      const tuned = (bigReplicas: number) => ({
        ...plain('tuned'),
        env: { SITE: '${CLUSTER_NAME}' },
        overrides: [
          { clusterLabel: 'big', replicas: bigReplicas, env: { SIZE: 'big' } },
          { clusterLabel: 'eu', tag: '9' },
        ],
      });
      // Overrides but no ${CLUSTER_NAME}: clusters with the same matching labels share one render.
      const sized = { ...plain('sized'), overrides: [{ clusterLabel: 'big', replicas: 4 }] };
      for (const [name, body] of [
        ['tuned', tuned(3)],
        ['sized', sized],
      ] as const) {
        ids[name] = expectStatus(await api.post('/v1/app', { token: tenant.admin.token, body }), 200).data.id;
        expectStatus(await api.put(`/v1/app/${ids[name]}/audit`, { token: admin, body: { status: 1, comment: '' } }), 200);
      }

      /** The cached contributor answers exactly what a fresh one does, for every cluster and object. */
      const check = async (cs: ClusterFacts[]) => {
        const got = await contributor.contribute(k, cs);
        assert.deepEqual(got, await fresh(cs), 'cached renders equal fresh ones');
        return got;
      };

      let clusters = [
        named(11, 'alpha', ['big']),
        named(12, 'beta', []),
        named(13, 'gamma', ['big', 'eu']),
        named(14, 'delta', ['big']),
      ];
      const r1 = await check(clusters);
      assert.equal(deploy(r1, 11, 'tuned')?.spec.replicas, 3);
      assert.equal(deploy(r1, 12, 'tuned')?.spec.replicas, 1);
      assert.deepEqual(env(deploy(r1, 11, 'tuned')), { SITE: 'alpha', SIZE: 'big' });
      assert.deepEqual(env(deploy(r1, 12, 'tuned')), { SITE: 'beta' });
      assert.match(image(deploy(r1, 13, 'tuned')), /:9$/);
      assert.match(image(deploy(r1, 11, 'tuned')), /:1$/);
      // Same overrides, different names: different objects.
      assert.deepEqual(env(deploy(r1, 14, 'tuned')), { SITE: 'delta', SIZE: 'big' });
      assert.notEqual(deploy(r1, 14, 'tuned'), deploy(r1, 11, 'tuned'));
      // No name in the spec: the same matching overrides share the render, other overrides do not.
      assert.equal(deploy(r1, 14, 'sized'), deploy(r1, 11, 'sized'));
      assert.equal(deploy(r1, 13, 'sized')?.spec.replicas, 4);
      assert.equal(deploy(r1, 12, 'sized')?.spec.replicas, 1);

      // Labels move: beta now takes the big override, alpha loses it; a cluster renamed (same id) gets its name.
      clusters = [
        named(11, 'alpha', []),
        named(12, 'beta', ['big']),
        named(13, 'gamma', ['big', 'eu']),
        named(14, 'omega', ['big']),
      ];
      const r2 = await check(clusters);
      assert.deepEqual(env(deploy(r2, 11, 'tuned')), { SITE: 'alpha' });
      assert.equal(deploy(r2, 11, 'tuned')?.spec.replicas, 1);
      assert.deepEqual(env(deploy(r2, 12, 'tuned')), { SITE: 'beta', SIZE: 'big' });
      assert.equal(deploy(r2, 12, 'tuned')?.spec.replicas, 3);
      assert.deepEqual(env(deploy(r2, 14, 'tuned')), { SITE: 'omega', SIZE: 'big' });
      assert.equal(deploy(r2, 12, 'sized'), deploy(r1, 11, 'sized'), "beta reuses alpha's earlier render: same facts");
      assert.equal(deploy(r2, 11, 'sized')?.spec.replicas, 1);

      // A changed override (a new revision): every cluster it applies to gets the new value.
      expectStatus(await api.put(`/v1/app/${ids.tuned}`, { token: tenant.admin.token, body: tuned(7) }), 200);
      expectStatus(await api.put(`/v1/app/${ids.tuned}/audit`, { token: admin, body: { status: 1, comment: '' } }), 200);
      const r3 = await check(clusters);
      assert.equal(deploy(r3, 12, 'tuned')?.spec.replicas, 7);
      assert.equal(deploy(r3, 13, 'tuned')?.spec.replicas, 7);
      assert.equal(deploy(r3, 11, 'tuned')?.spec.replicas, 1);
      assert.notEqual(deploy(r3, 11, 'tuned'), deploy(r2, 11, 'tuned'), 'a new revision is rendered anew');
    });
  });
}
