import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DesiredMessage } from '../../src/agent-link/protocol.js';
import { Api, expectStatus } from '../helpers/client.js';
import { FakeAgent, nodeReport } from '../helpers/fake-agent.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { type Tenant, makeTenant, uniqueName } from '../helpers/tenants.js';

const REGISTRY = 'registry.test:5000';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- workload objects are open-ended JSON
type Obj = Record<string, any>;

const workloadsOf = (m: DesiredMessage, kind?: string): Obj[] =>
  (m.state.workloads as Obj[]).filter((w) => kind === undefined || w.kind === kind);
const deploymentOf = (m: DesiredMessage, ns: string, name: string): Obj | undefined =>
  workloadsOf(m, 'Deployment').find((w) => w.metadata.namespace === ns && w.metadata.name === name);

for (const db of DATABASES) {
  describe(`application placement and desired state [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let t: Tenant;
    const agents: FakeAgent[] = [];
    const clusters: string[] = [];

    before(async () => {
      hub = await startHub(db, { OTE_REGISTRY_DOMAIN: REGISTRY });
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      t = await makeTenant(api, admin);
      for (const _ of [0, 1]) {
        const clusterName = uniqueName('c');
        const reg = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName } }), 200, 'register cluster');
        api.secrets.add(reg.data.token);
        const agent = await FakeAgent.connect(hub.url, reg.data.token, { nodes: [nodeReport(`${clusterName}-n1`)] });
        // The first state, so that `latest` has one to read on a loaded machine too.
        await agent.waitForDesired(() => true);
        agents.push(agent);
        clusters.push(clusterName);
      }
    });
    after(async () => {
      for (const a of agents) a.close();
      await hub?.close();
    });

    const latest = (i: number) => agents[i].desired.at(-1) as DesiredMessage;
    const waitFor = (i: number, what: string, pred: (m: DesiredMessage) => boolean) =>
      agents[i].waitForDesired((m) => m === latest(i) && pred(m), 5000, what);
    const label = async (method: 'POST' | 'DELETE', clusterLabel: string, clusterName: string[]) =>
      expectStatus(await api.call(method, '/v1/cluster/label', { token: admin, body: { clusterLabel, clusterName } }), 200);

    it('places an approved application on the clusters its label matches, live', async () => {
      const ns = `ns${t.businessId}`;
      const edge = uniqueName('edge').toLowerCase();
      const id = expectStatus(
        await api.post('/v1/app', {
          token: t.member.token,
          body: { appName: 'Cam', image: 'proj/cam', tag: 'v1', replicas: 2, clusterLabel: edge, ports: [{ containerPort: 80 }] },
        }),
        200,
      ).data.id;
      // Pending: nowhere yet, even on a matching cluster.
      await label('POST', edge, [clusters[0]]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(deploymentOf(latest(0), ns, 'cam'), undefined, 'a pending application is not deployed');

      expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1 } }), 200);
      const m = await waitFor(0, 'the Deployment on the labelled cluster', (x) => !!deploymentOf(x, ns, 'cam'));
      const d = deploymentOf(m, ns, 'cam') as Obj;
      assert.equal(d.spec.replicas, 2);
      assert.equal(d.spec.template.spec.containers[0].image, `${REGISTRY}/proj/cam:v1`);
      assert.equal(d.metadata.labels['app.kubernetes.io/managed-by'], 'ote');
      assert.ok(
        workloadsOf(m, 'Service').some((s) => s.metadata.name === 'cam'),
        'a Service for the port',
      );
      assert.equal(deploymentOf(latest(1), ns, 'cam'), undefined, 'not on the unlabelled cluster');

      let row = expectStatus(await api.get(`/v1/app/${id}`, { token: t.member.token }), 200).data;
      assert.equal(row.targetClusters, 1);
      assert.deepEqual(
        row.clusters.map((c: Obj) => c.clusterName),
        [clusters[0]],
      );

      // Label the second cluster: it gets the application too.
      await label('POST', edge, [clusters[1]]);
      await waitFor(1, 'the Deployment after labelling', (x) => !!deploymentOf(x, ns, 'cam'));
      row = expectStatus(await api.get(`/v1/app/${id}`, { token: t.member.token }), 200).data;
      assert.equal(row.targetClusters, 2);

      // Scale: no audit, straight to the clusters.
      expectStatus(await api.put(`/v1/app/${id}/replicas`, { token: t.member.token, body: { replicas: 4 } }), 200);
      await waitFor(0, 'the scaled Deployment', (x) => deploymentOf(x, ns, 'cam')?.spec.replicas === 4);

      // A pending update leaves v1 running; approval rolls v2 out to both.
      expectStatus(
        await api.put(`/v1/app/${id}`, {
          token: t.member.token,
          body: { image: 'proj/cam', tag: 'v2', replicas: 4, clusterLabel: edge },
        }),
        200,
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.match(deploymentOf(latest(0), ns, 'cam')?.spec.template.spec.containers[0].image, /:v1$/);
      expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1 } }), 200);
      for (const i of [0, 1]) {
        await waitFor(i, 'v2 everywhere', (x) => /:v2$/.test(deploymentOf(x, ns, 'cam')?.spec.template.spec.containers[0].image));
      }

      // Remove the label from the first cluster: the application leaves it.
      await label('DELETE', edge, [clusters[0]]);
      await waitFor(
        0,
        'the Deployment gone after unlabelling',
        (x) => !deploymentOf(x, ns, 'cam') && workloadsOf(x, 'Service').length === 0,
      );
      assert.ok(deploymentOf(latest(1), ns, 'cam'), 'still on the other cluster');

      // Delete: gone everywhere.
      expectStatus(await api.delete(`/v1/app/${id}`, { token: t.member.token }), 200);
      await waitFor(1, 'the Deployment gone after delete', (x) => !deploymentOf(x, ns, 'cam'));
    });

    it('adds the Ingress while enableIngress is on, and drops it at once when it is turned off', async () => {
      const ns = `ns${t.businessId}`;
      const setting = async (enableIngress: boolean) =>
        expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { enableIngress } }), 200);
      await setting(true);
      try {
        const id = expectStatus(
          await api.post('/v1/app', {
            token: t.member.token,
            body: {
              appName: 'site',
              image: 'proj/site',
              ports: [{ containerPort: 8080 }],
              ingress: { host: 'site.example.com', port: 8080 },
            },
          }),
          200,
        ).data.id;
        expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1 } }), 200);
        const m = await waitFor(0, 'the Ingress', (x) => workloadsOf(x, 'Ingress').some((w) => w.metadata.name === 'site'));
        const ing = workloadsOf(m, 'Ingress').find((w) => w.metadata.name === 'site') as Obj;
        assert.equal(ing.metadata.namespace, ns);
        assert.equal(ing.spec.rules[0].host, 'site.example.com');
        assert.equal(ing.spec.rules[0].http.paths[0].backend.service.port.number, 8080);
        await setting(false);
        // Well before the link's periodic resync: the settings change itself wakes every cluster.
        await waitFor(
          0,
          'the Ingress gone',
          (x) => !workloadsOf(x, 'Ingress').some((w) => w.metadata.name === 'site') && !!deploymentOf(x, ns, 'site'),
        );
        expectStatus(await api.delete(`/v1/app/${id}`, { token: t.member.token }), 200);
      } finally {
        await setting(false);
      }
    });

    it('places clusterLabel "all" everywhere, and a rejection changes nothing', async () => {
      const ns = `ns${t.businessId}`;
      const id = expectStatus(
        await api.post('/v1/app', {
          token: t.member.token,
          body: { appName: 'everywhere', image: 'quay.io/org/agent', tag: '1' },
        }),
        200,
      ).data.id;
      expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1 } }), 200);
      for (const i of [0, 1]) {
        const m = await waitFor(i, 'the Deployment everywhere', (x) => !!deploymentOf(x, ns, 'everywhere'));
        assert.equal(deploymentOf(m, ns, 'everywhere')?.spec.template.spec.containers[0].image, 'quay.io/org/agent:1');
      }
      const before = latest(0).generation;
      expectStatus(
        await api.put(`/v1/app/${id}`, { token: t.member.token, body: { image: 'quay.io/org/agent', tag: '2' } }),
        200,
      );
      expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 2, comment: 'no' } }), 200);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(latest(0).generation, before, 'no new desired state for a rejected revision');
      assert.equal(deploymentOf(latest(0), ns, 'everywhere')?.spec.template.spec.containers[0].image, 'quay.io/org/agent:1');
      expectStatus(await api.delete(`/v1/app/${id}`, { token: t.member.token }), 200);
      await waitFor(0, 'removed', (x) => !deploymentOf(x, ns, 'everywhere'));
    });
  });
}
