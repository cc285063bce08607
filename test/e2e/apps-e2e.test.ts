/**
 * Application Management end to end with real parts: the hub → the real agent
 * process (`ote agent`) in each of two clusters → two real kube-apiservers
 * (envtest: no kubelet, so Deployment status is patched to stand for pods).
 * Heavy (two apiservers + etcd + two agents), so it runs on the first
 * configured database only.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { EdgeFleet, deploymentsIn } from '../helpers/edges.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { ENVTEST, createNode, nodeLabels } from '../helpers/kube.js';
import { type Tenant, makeTenant } from '../helpers/tenants.js';
import { eventually } from '../helpers/wait.js';

const db = DATABASES[0];
const skip = fs.existsSync(ENVTEST) ? false : 'the shared kube-envtest tool is missing';
const REGISTRY = 'registry.test:5000';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are open-ended JSON
type Obj = Record<string, any>;

describe(`applications through real agents into two kube-apiservers [${db}]`, { skip }, () => {
  let hub: TestHub;
  let api: Api;
  let admin: string;
  let t: Tenant;
  // One apiserver after the other: two apiservers + etcd + two agents are heavy on a loaded machine.
  const fleet = new EdgeFleet([{ name: 'edge-a' }, { name: 'edge-b' }], { parallel: false });
  const edges = fleet.edges;
  const label = 'e2e';

  before(async () => {
    hub = await startHub(db, { OTE_REGISTRY_DOMAIN: REGISTRY, OTE_HEARTBEAT_GRACE: '10' });
    api = new Api(hub.url);
    admin = await api.login(ADMIN.user, ADMIN.password);
    t = await makeTenant(api, admin);
    await fleet.start({ url: hub.url, api, adminToken: admin });
  });
  after(async () => {
    await fleet.stop();
    await hub?.close();
  });

  const ns = () => `ns${t.businessId}`;
  const logs = () => edges.map((e) => `--- ${e.name} agent log:\n${e.agent?.log().slice(-2000)}`).join('\n');
  const { read, image, markAvailable } = deploymentsIn(ns);
  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> =>
    eventually(what, probe, { timeoutMs, intervalMs: 250 }).catch((err) => {
      throw new Error(`${err.message}\n${logs()}`);
    });
  const setLabel = async (method: 'POST' | 'DELETE', clusterName: string[]) =>
    expectStatus(await api.call(method, '/v1/cluster/label', { token: admin, body: { clusterLabel: label, clusterName } }), 200);
  const approve = async (id: number, status: 1 | 2 = 1) =>
    expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status, comment: 'e2e' } }), 200);
  const detail = async (id: number) => expectStatus(await api.get(`/v1/app/${id}`, { token: t.member.token }), 200).data;

  it('creates the Deployment and Service the spec describes, field by field, in the labelled cluster only', async () => {
    const [a, b] = edges;
    await setLabel('POST', [a.name]);
    expectStatus(
      await api.post('/v1/repository/third', {
        token: t.admin.token,
        body: { repositoryId: 'harbor-e2e', address: 'harbor.example:8443', user: 'bot', password: 'E2e-secret-pw1' },
      }),
      200,
    );
    api.secrets.add('E2e-secret-pw1');
    const spec = {
      appName: 'Vision',
      image: 'proj/vision',
      tag: 'v1',
      replicas: 2,
      ports: [{ containerPort: 8080 }],
      env: { MODE: 'edge' },
      command: ['/bin/vision'],
      args: ['--fps', '30'],
      cpu: 0.5,
      memory: 268435456,
      gpu: 1,
      clusterLabel: label,
      nodeLabel: 'camera',
      repositoryId: 'harbor-e2e',
      maxSurge: 1,
      maxUnavailable: 0,
      volumes: [{ name: 'cam', hostPath: '/dev/video0', mountPath: '/dev/video0', readOnly: true }],
    };
    const id = expectStatus(await api.post('/v1/app', { token: t.member.token, body: spec }), 200).data.id;
    await approve(id);
    const d = await waitFor('the Deployment in edge-a', () => read(a, 'vision'));
    assert.deepEqual(d.metadata?.labels, {
      'app.kubernetes.io/managed-by': 'ote',
      'app.ote-stack.io/app': 'vision',
      'app.ote-stack.io/id': String(id),
      'app.ote-stack.io/revision': '1',
    });
    assert.equal(d.spec?.replicas, 2);
    assert.deepEqual(d.spec?.selector?.matchLabels, { 'app.ote-stack.io/app': 'vision' });
    assert.equal(d.spec?.strategy?.type, 'RollingUpdate');
    assert.equal(d.spec?.strategy?.rollingUpdate?.maxSurge, 1);
    assert.equal(d.spec?.strategy?.rollingUpdate?.maxUnavailable, 0);
    assert.equal(d.spec?.progressDeadlineSeconds, 600);
    const pod = d.spec?.template?.spec;
    assert.deepEqual(
      pod?.imagePullSecrets?.map((x) => x.name),
      ['ote.registry', 'harbor-e2e'],
    );
    assert.deepEqual(pod?.nodeSelector, { 'node.ote-stack.io/camera': 'true' });
    assert.deepEqual(
      pod?.volumes?.map((v) => [v.name, v.hostPath?.path]),
      [['cam', '/dev/video0']],
    );
    const c = pod?.containers?.[0];
    assert.equal(c?.name, 'vision');
    assert.equal(c?.image, `${REGISTRY}/proj/vision:v1`);
    assert.deepEqual(c?.command, ['/bin/vision']);
    assert.deepEqual(c?.args, ['--fps', '30']);
    assert.deepEqual(
      c?.env?.map((x) => [x.name, x.value]),
      [['MODE', 'edge']],
    );
    assert.deepEqual(
      c?.ports?.map((p) => [p.containerPort, p.protocol]),
      [[8080, 'TCP']],
    );
    assert.deepEqual(c?.resources?.requests, { cpu: '500m', memory: '268435456' });
    assert.deepEqual(c?.resources?.limits, { cpu: '500m', memory: '268435456', 'nvidia.com/gpu': '1' });
    assert.deepEqual(
      c?.volumeMounts?.map((m) => [m.name, m.mountPath, m.readOnly]),
      [['cam', '/dev/video0', true]],
    );
    // The agent applies the objects one after the other: the Service may come a moment after the Deployment.
    const svc = await waitFor('the Service in edge-a', () =>
      a.kube.core.readNamespacedService({ namespace: ns(), name: 'vision' }).catch((err) => {
        if (err?.code === 404) return undefined;
        throw err;
      }),
    );
    assert.deepEqual(svc.spec?.selector, { 'app.ote-stack.io/app': 'vision' });
    assert.deepEqual(
      svc.spec?.ports?.map((p) => [p.name, p.port, p.protocol]),
      [['tcp-8080', 8080, 'TCP']],
    );
    assert.equal(svc.metadata?.labels?.['app.kubernetes.io/managed-by'], 'ote');
    assert.equal(await read(b, 'vision'), undefined, 'not in the unlabelled cluster');

    // The agent reports the status back: available once the pods (stood for) are.
    await markAvailable(a, 'vision');
    await waitFor(
      'edge-a available',
      async () => (await detail(id)).clusters.find((x: Obj) => x.clusterName === a.name)?.state === 'available',
    );
    expectStatus(await api.delete(`/v1/app/${id}`, { token: t.member.token }), 200);
    await waitFor('the Deployment deleted', async () => (await read(a, 'vision')) === undefined);
    await waitFor('the Service deleted', () =>
      a.kube.core.readNamespacedService({ namespace: ns(), name: 'vision' }).then(
        () => false,
        (err) => err?.code === 404,
      ),
    );
  });

  it('follows a cluster label added and removed; update, approve, reject; delete removes every object', async () => {
    const [a, b] = edges;
    const id = expectStatus(
      await api.post('/v1/app', {
        token: t.member.token,
        body: { appName: 'web', image: 'proj/web', tag: 'v1', clusterLabel: label, ports: [{ containerPort: 80 }] },
      }),
      200,
    ).data.id;
    await approve(id);
    await waitFor('web in edge-a', () => read(a, 'web'));
    await setLabel('POST', [b.name]);
    await waitFor('web in edge-b after labelling', () => read(b, 'web'));

    // An update waits for approval: v1 keeps running in both.
    expectStatus(
      await api.put(`/v1/app/${id}`, {
        token: t.member.token,
        body: { image: 'proj/web', tag: 'v2', clusterLabel: label, ports: [{ containerPort: 80 }] },
      }),
      200,
    );
    assert.equal((await detail(id)).status, 'pending');
    await new Promise((r) => setTimeout(r, 2000));
    for (const e of edges) assert.equal(await image(e, 'web'), `${REGISTRY}/proj/web:v1`);
    await approve(id);
    for (const e of edges) await waitFor(`v2 in ${e.name}`, async () => (await image(e, 'web')) === `${REGISTRY}/proj/web:v2`);

    // A rejected revision changes nothing.
    expectStatus(
      await api.put(`/v1/app/${id}`, {
        token: t.member.token,
        body: { image: 'proj/web', tag: 'v3', clusterLabel: label, ports: [{ containerPort: 80 }] },
      }),
      200,
    );
    await approve(id, 2);
    await new Promise((r) => setTimeout(r, 2000));
    for (const e of edges) assert.equal(await image(e, 'web'), `${REGISTRY}/proj/web:v2`);
    assert.equal((await detail(id)).runningRevision, 2);

    await setLabel('DELETE', [b.name]);
    await waitFor('web gone from edge-b after unlabelling', async () => (await read(b, 'web')) === undefined);
    assert.ok(await read(a, 'web'), 'still in edge-a');

    await setLabel('POST', [b.name]);
    await waitFor('web back in edge-b', () => read(b, 'web'));
    expectStatus(await api.delete(`/v1/app/${id}`, { token: t.member.token }), 200);
    for (const e of edges) {
      await waitFor(`web deleted in ${e.name}`, async () => (await read(e, 'web')) === undefined);
      const left = await e.kube.core.listNamespacedService({ namespace: ns(), labelSelector: 'app.ote-stack.io/app=web' });
      assert.equal(left.items.length, 0, `no Service left in ${e.name}`);
    }
  });

  it('stops a batched rollout whose first batch does not become available, keeping the rest on the old revision', async () => {
    const [a, b] = edges; // both labelled now; the rollout goes in name order: edge-a, then edge-b
    const rollout = { batchSize: 1, progressDeadlineSeconds: 10 };
    const body = (tag: string) => ({ image: 'proj/batch', tag, clusterLabel: label, rollout });
    const id = expectStatus(await api.post('/v1/app', { token: t.member.token, body: { appName: 'batch', ...body('v1') } }), 200)
      .data.id;
    await approve(id);
    await waitFor('batch 1 (edge-a)', () => read(a, 'batch'));
    assert.equal(await read(b, 'batch'), undefined, 'edge-b waits for the first batch');
    await markAvailable(a, 'batch');
    await waitFor('batch 2 (edge-b)', () => read(b, 'batch'));
    await markAvailable(b, 'batch');
    await waitFor('the first rollout done', async () => (await detail(id)).readyClusters === 2);

    expectStatus(await api.put(`/v1/app/${id}`, { token: t.member.token, body: body('v2') }), 200);
    await approve(id);
    await waitFor('v2 in edge-a', async () => (await image(a, 'batch')) === `${REGISTRY}/proj/batch:v2`);
    // No pods become available for v2 in edge-a: the deadline passes and the rollout stops.
    const stopped = await waitFor(
      'the rollout to stop',
      async () => {
        const d = await detail(id);
        return /rollout stopped/.test(d.message) ? d : undefined;
      },
      40_000,
    );
    assert.match(stopped.message, /edge-a/);
    assert.equal(stopped.clusters.find((x: Obj) => x.clusterName === a.name).state, 'degraded');
    assert.equal(await image(b, 'batch'), `${REGISTRY}/proj/batch:v1`, 'edge-b keeps the previous revision');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await image(b, 'batch'), `${REGISTRY}/proj/batch:v1`, 'and stays on it');
  });
  it('auto-deploys for admins, scales without audit, rolls back, updates a paused cluster on resume, and honours deleteDeploy', async () => {
    const [a, b] = edges; // both labelled now
    const cam = 'e2e-cam';
    await createNode(a.kube.core, { name: 'cam-node' });
    await waitFor('the node reported', async () => {
      const res = await api.get(`/v1/node?clusterName=${a.name}&nodeName=cam-node`, { token: admin });
      return res.body.total === 1;
    });
    expectStatus(
      await api.post('/v1/node/label', { token: admin, body: { nodeLabel: cam, clusterName: a.name, nodeName: ['cam-node'] } }),
      200,
    );
    await waitFor(
      'the label on the Node',
      async () => (await nodeLabels(a.kube.core, 'cam-node'))[`node.ote-stack.io/${cam}`] === 'true',
    );

    const setting = async (enableAdminAutoDeploy: boolean) =>
      expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { enableAdminAutoDeploy } }), 200);
    const spec = (tag: string, replicas: number) => ({ image: 'proj/ops', tag, replicas, clusterLabel: label, nodeLabel: cam });
    const everywhere = (tag: string) =>
      Promise.all(
        edges.map((e) => waitFor(`${tag} in ${e.name}`, async () => (await image(e, 'ops')) === `${REGISTRY}/proj/ops:${tag}`)),
      );
    await setting(true);
    try {
      // A business administrator's revisions run without an audit while enableAdminAutoDeploy is on.
      const id = expectStatus(
        await api.post('/v1/app', { token: t.admin.token, body: { appName: 'ops', ...spec('v1', 1) } }),
        200,
      ).data.id;
      assert.equal((await detail(id)).status, 'approved');
      await everywhere('v1');
      assert.deepEqual((await read(a, 'ops'))?.spec?.template?.spec?.nodeSelector, { [`node.ote-stack.io/${cam}`]: 'true' });

      // Scaling needs no audit and makes no revision.
      expectStatus(await api.put(`/v1/app/${id}/replicas`, { token: t.member.token, body: { replicas: 3 } }), 200);
      for (const e of edges) await waitFor(`3 replicas in ${e.name}`, async () => (await read(e, 'ops'))?.spec?.replicas === 3);
      assert.equal((await detail(id)).revision, 1);

      expectStatus(await api.put(`/v1/app/${id}`, { token: t.admin.token, body: spec('v2', 2) }), 200);
      await everywhere('v2');
      // A rollback to the approved revision 1 needs no audit either.
      expectStatus(await api.put(`/v1/app/${id}/rollback`, { token: t.member.token, body: { revision: 1 } }), 200);
      await everywhere('v1');
      for (const e of edges)
        await waitFor(`revision 1's replicas in ${e.name}`, async () => (await read(e, 'ops'))?.spec?.replicas === 1);

      // A paused cluster keeps what it has until it is resumed.
      expectStatus(await api.put(`/v1/cluster/${b.name}/pause`, { token: admin, body: { paused: true } }), 200);
      expectStatus(await api.put(`/v1/app/${id}/rollback`, { token: t.member.token, body: { revision: 2 } }), 200);
      await waitFor('v2 in edge-a', async () => (await image(a, 'ops')) === `${REGISTRY}/proj/ops:v2`);
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(await image(b, 'ops'), `${REGISTRY}/proj/ops:v1`, 'the paused cluster is not changed');
      expectStatus(await api.put(`/v1/cluster/${b.name}/pause`, { token: admin, body: { paused: false } }), 200);
      await waitFor('v2 in edge-b after resuming', async () => (await image(b, 'ops')) === `${REGISTRY}/proj/ops:v2`);

      // The last node of edge-a with the label the application selects: refused, unless deleteDeploy.
      const unlabel = (deleteDeploy: boolean) =>
        api.delete('/v1/node/label', {
          token: admin,
          body: { nodeLabel: cam, clusterName: a.name, nodeName: ['cam-node'], deleteDeploy },
        });
      const refused = expectStatus(await unlabel(false), 409);
      assert.match(refused.message, /ops/);
      assert.equal(
        (await nodeLabels(a.kube.core, 'cam-node'))[`node.ote-stack.io/${cam}`],
        'true',
        'the refusal took nothing away',
      );
      expectStatus(await unlabel(true), 200);
      await waitFor('ops removed from edge-a', async () => (await read(a, 'ops')) === undefined);
      await waitFor(
        'the label gone from the Node',
        async () => (await nodeLabels(a.kube.core, 'cam-node'))[`node.ote-stack.io/${cam}`] === undefined,
      );
      assert.equal(await image(b, 'ops'), `${REGISTRY}/proj/ops:v2`, 'the other cluster keeps it');
      const d = await detail(id);
      assert.equal(d.clusters.find((x: Obj) => x.clusterName === a.name).state, 'removed');
    } finally {
      await setting(false);
    }
  });
});
