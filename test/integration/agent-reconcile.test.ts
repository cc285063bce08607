import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, type V1Deployment, loadAllYaml } from '@kubernetes/client-node';
import { KubeInventory } from '../../src/agent/inventory.js';
import { KubeClusterApi } from '../../src/agent/kube-cluster-api.js';
import { silentLogger } from '../../src/agent/log.js';
import { reconcile } from '../../src/agent/reconcile.js';
import { type DesiredState, MANAGED_BY } from '../../src/agent-link/protocol.js';
import { type KubeCluster, createNode, impersonating, nodeLabels, startKube } from '../helpers/kube.js';
import { eventually } from '../helpers/wait.js';

const P = 'node.ote-stack.io/';

function state(overrides: Partial<DesiredState> = {}): DesiredState {
  return { namespaces: [], nodeLabels: {}, pullSecrets: [], workloads: [], paused: false, ...overrides };
}

function dockerConfig(user: string): string {
  const auth = Buffer.from(`${user}:pw`).toString('base64');
  return JSON.stringify({ auths: { 'registry.example:5000': { username: user, password: 'pw', auth } } });
}

function deployment(namespace: string, name: string, image = 'nginx:1.25'): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
    },
  };
}

// The reconciler against one real kube-apiserver (no hub): what the agent does to a cluster.
describe('agent reconciler against a real kube-apiserver', () => {
  let kube: KubeCluster;
  let api: KubeClusterApi;
  let apps: AppsV1Api;
  before(async () => {
    // RBAC mode, so the last test can prove deploy/agent-rbac.yaml is enough (the admin token is in system:masters).
    kube = await startKube({ authz: 'RBAC' });
    api = new KubeClusterApi(kube.kc);
    apps = kube.kc.makeApiClient(AppsV1Api);
  });
  after(() => kube?.stop());

  const ns = (name: string) => kube.core.readNamespace({ name });

  it('creates the desired namespaces with the managed label, and is idempotent', async () => {
    assert.deepEqual(await reconcile(api, state({ namespaces: ['ns1', 'ns2'] })), []);
    for (const name of ['ns1', 'ns2']) {
      const n = await ns(name);
      assert.equal(n.metadata?.labels?.[MANAGED_BY.key], 'ote', `${name} carries the managed label`);
      assert.equal(n.metadata?.deletionTimestamp, undefined);
    }
    const before = (await ns('ns1')).metadata?.resourceVersion;
    assert.deepEqual(await reconcile(api, state({ namespaces: ['ns1', 'ns2'] })), []);
    assert.equal((await ns('ns1')).metadata?.resourceVersion, before, 'a second reconcile changes nothing');
  });

  it('never touches a namespace without the managed label, even one named ns<id>', async () => {
    await kube.core.createNamespace({ body: { metadata: { name: 'ns77', labels: { team: 'ops' } } } });
    await kube.core.createNamespace({ body: { metadata: { name: 'hand-made' } } });
    const rv77 = (await ns('ns77')).metadata?.resourceVersion;
    const errors = await reconcile(api, state({ namespaces: ['ns1', 'ns2', 'ns77'] }));
    assert.equal(errors.length, 1, `one conflict reported: ${errors.join('; ')}`);
    assert.match(errors[0], /ns77.*not managed by OTE/);
    assert.equal((await ns('ns77')).metadata?.resourceVersion, rv77, 'ns77 unchanged');
    assert.equal((await ns('ns77')).metadata?.labels?.[MANAGED_BY.key], undefined);
    // Not desired any more: still untouched (only managed namespaces are pruned).
    assert.deepEqual(await reconcile(api, state({ namespaces: ['ns1', 'ns2'] })), []);
    assert.equal((await ns('ns77')).metadata?.deletionTimestamp, undefined, 'ns77 not deleted');
    assert.equal((await ns('hand-made')).metadata?.deletionTimestamp, undefined, 'hand-made not deleted');
    assert.equal((await ns('default')).metadata?.deletionTimestamp, undefined, 'default not deleted');
  });

  it('sets and removes node.ote-stack.io labels and leaves every other label alone', async () => {
    await createNode(kube.core, {
      name: 'edge-1',
      labels: { 'kubernetes.io/hostname': 'edge-1', team: 'a', [`${P}stale`]: 'true' },
    });
    await createNode(kube.core, { name: 'edge-2', labels: { 'kubernetes.io/hostname': 'edge-2' } });
    const desired = { 'edge-1': ['gpu-a100', 'camera'], 'edge-2': ['camera'], 'gone-node': ['x'] };
    assert.deepEqual(await reconcile(api, state({ namespaces: ['ns1', 'ns2'], nodeLabels: desired })), []);
    assert.deepEqual(await nodeLabels(kube.core, 'edge-1'), {
      'kubernetes.io/hostname': 'edge-1',
      team: 'a',
      [`${P}gpu-a100`]: 'true',
      [`${P}camera`]: 'true',
    });
    assert.deepEqual(await nodeLabels(kube.core, 'edge-2'), { 'kubernetes.io/hostname': 'edge-2', [`${P}camera`]: 'true' });

    // Someone sets an OTE key by hand to another value: the agent owns the prefix and corrects it.
    await kube.core.patchNode({
      name: 'edge-2',
      body: [{ op: 'add', path: '/metadata/labels/node.ote-stack.io~1camera', value: 'no' }],
    });
    assert.deepEqual(await reconcile(api, state({ namespaces: ['ns1', 'ns2'], nodeLabels: { 'edge-1': ['camera'] } })), []);
    assert.deepEqual(await nodeLabels(kube.core, 'edge-1'), {
      'kubernetes.io/hostname': 'edge-1',
      team: 'a',
      [`${P}camera`]: 'true',
    });
    assert.deepEqual(await nodeLabels(kube.core, 'edge-2'), { 'kubernetes.io/hostname': 'edge-2' });
  });

  it('creates, updates and deletes managed pull secrets; never an unmanaged one', async () => {
    await kube.core.createNamespacedSecret({
      namespace: 'ns2',
      body: { metadata: { name: 'theirs' }, type: 'Opaque', stringData: { k: 'v' } },
    });
    const s1 = { namespace: 'ns1', name: 'harbor', dockerConfigJson: dockerConfig('alice') };
    const theirs = { namespace: 'ns2', name: 'theirs', dockerConfigJson: dockerConfig('bob') };
    const errors = await reconcile(api, state({ namespaces: ['ns1', 'ns2'], pullSecrets: [s1, theirs] }));
    assert.equal(errors.length, 1, errors.join('; '));
    assert.match(errors[0], /ns2\/theirs.*not managed by OTE/);
    const read = () => kube.core.readNamespacedSecret({ namespace: 'ns1', name: 'harbor' });
    let secret = await read();
    assert.equal(secret.type, 'kubernetes.io/dockerconfigjson');
    assert.equal(secret.metadata?.labels?.[MANAGED_BY.key], 'ote');
    assert.equal(Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString(), s1.dockerConfigJson);
    const theirsNow = await kube.core.readNamespacedSecret({ namespace: 'ns2', name: 'theirs' });
    assert.equal(theirsNow.type, 'Opaque', 'the unmanaged secret keeps its type');
    assert.equal(Buffer.from(theirsNow.data?.k ?? '', 'base64').toString(), 'v', 'and its data');

    const changed = { ...s1, dockerConfigJson: dockerConfig('carol') };
    assert.deepEqual(await reconcile(api, state({ namespaces: ['ns1', 'ns2'], pullSecrets: [changed] })), []);
    secret = await read();
    assert.equal(Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString(), changed.dockerConfigJson);

    assert.deepEqual(await reconcile(api, state({ namespaces: ['ns1', 'ns2'] })), []);
    await assert.rejects(read(), (err: { code?: number }) => err.code === 404, 'removed from the desired state: deleted');
    assert.ok(await kube.core.readNamespacedSecret({ namespace: 'ns2', name: 'theirs' }), 'the unmanaged one stays');
  });

  it('refuses a pull secret for a namespace OTE does not manage', async () => {
    const errors = await reconcile(
      api,
      state({ namespaces: ['ns1', 'ns2'], pullSecrets: [{ namespace: 'hand-made', name: 'x', dockerConfigJson: '{}' }] }),
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0], /hand-made/);
    await assert.rejects(kube.core.readNamespacedSecret({ namespace: 'hand-made', name: 'x' }));
  });

  it('applies workloads with the managed label, prunes them, and never touches an unmanaged one', async () => {
    const theirs = deployment('ns1', 'theirs') as unknown as V1Deployment;
    await apps.createNamespacedDeployment({ namespace: 'ns1', body: theirs });
    const rvTheirs = (await apps.readNamespacedDeployment({ namespace: 'ns1', name: 'theirs' })).metadata?.resourceVersion;
    const web = deployment('ns1', 'web');
    const bad = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns1' } };
    const errors = await reconcile(
      api,
      state({ namespaces: ['ns1', 'ns2'], workloads: [web, deployment('ns1', 'theirs', 'evil:1'), bad] }),
    );
    assert.equal(errors.length, 2, errors.join('; '));
    assert.ok(errors.some((e) => /ns1\/theirs.*not managed by OTE/.test(e)));
    assert.ok(errors.some((e) => /Pod is not a kind OTE manages/.test(e)));
    const applied = await apps.readNamespacedDeployment({ namespace: 'ns1', name: 'web' });
    assert.equal(applied.metadata?.labels?.[MANAGED_BY.key], 'ote');
    assert.equal(applied.spec?.template.spec?.containers[0].image, 'nginx:1.25');
    const theirsNow = await apps.readNamespacedDeployment({ namespace: 'ns1', name: 'theirs' });
    assert.equal(theirsNow.metadata?.resourceVersion, rvTheirs, 'the unmanaged Deployment is untouched');
    await assert.rejects(kube.core.readNamespacedPod({ namespace: 'ns1', name: 'p' }));

    // Updated image, then removal.
    assert.deepEqual(
      await reconcile(api, state({ namespaces: ['ns1', 'ns2'], workloads: [deployment('ns1', 'web', 'nginx:1.27')] })),
      [],
    );
    const updated = await apps.readNamespacedDeployment({ namespace: 'ns1', name: 'web' });
    assert.equal(updated.spec?.template.spec?.containers[0].image, 'nginx:1.27');
    assert.deepEqual(await reconcile(api, state({ namespaces: ['ns1', 'ns2'] })), []);
    const gone = await apps.readNamespacedDeployment({ namespace: 'ns1', name: 'web' }).catch((e) => e);
    assert.ok(gone.code === 404 || gone.metadata?.deletionTimestamp, 'the managed Deployment is deleted');
    assert.ok(await apps.readNamespacedDeployment({ namespace: 'ns1', name: 'theirs' }), 'the unmanaged one stays');
  });

  it('lists managed objects of the kinds this apiserver serves and skips kinds it does not', async () => {
    const refs = await api.listManagedObjects([
      { apiVersion: 'example.com/v1', kind: 'NotServed' },
      { apiVersion: 'apps/v1', kind: 'NotServedEither' },
      { apiVersion: 'apps/v1', kind: 'Deployment' },
    ]);
    assert.ok(Array.isArray(refs));
    assert.ok(refs.every((r) => r.kind === 'Deployment'));
  });

  it('deletes managed namespaces that are no longer desired (they stay Terminating without controllers)', async () => {
    assert.deepEqual(await reconcile(api, state({ namespaces: ['ns1'] })), []);
    assert.ok((await ns('ns2')).metadata?.deletionTimestamp, 'ns2 is being deleted');
    assert.equal((await ns('ns1')).metadata?.deletionTimestamp, undefined, 'ns1 stays');
    assert.equal((await ns('ns77')).metadata?.deletionTimestamp, undefined, 'unmanaged ns77 stays');
    // Desired again while still Terminating: reported, not an endless delete/create loop.
    const errors = await reconcile(api, state({ namespaces: ['ns1', 'ns2'] }));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /ns2.*being deleted/);
  });

  it('reports nodes through a watch: capacity quantities, GPUs, Ready, labels, and changes', async () => {
    await createNode(kube.core, {
      name: 'gpu-box',
      cpu: '3500m',
      memory: '16384Ki',
      disk: '1e9',
      gpus: 2,
      internalIP: '10.1.2.3',
      labels: { 'nvidia.com/gpu.memory': '40960' },
      ready: false,
    });
    const inventory = new KubeInventory(kube.kc, silentLogger, 50);
    let changes = 0;
    inventory.onChange(() => {
      changes += 1;
    });
    try {
      await inventory.start();
      const gpu = inventory.nodes().find((n) => n.name === 'gpu-box');
      assert.deepEqual(gpu, {
        name: 'gpu-box',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.1.0-edge',
        internalIP: '10.1.2.3',
        cpu: 3.5,
        memory: 16384 * 1024,
        disk: 1e9,
        gpuCount: 2,
        gpuMemoryMiB: 40960,
        ready: false,
        labels: { 'nvidia.com/gpu.memory': '40960' },
      });
      const edge1 = inventory.nodes().find((n) => n.name === 'edge-1');
      assert.equal(edge1?.ready, true);
      assert.equal(edge1?.memory, 16 * 2 ** 30);
      assert.equal(edge1?.gpuMemoryMiB, null);
      assert.deepEqual(
        inventory.nodes().map((n) => n.name),
        ['edge-1', 'edge-2', 'gpu-box'],
        'sorted by name',
      );
      await kube.core.patchNode({ name: 'gpu-box', body: [{ op: 'add', path: '/metadata/labels/zone', value: 'z1' }] });
      await eventually(
        'a change event for the new label',
        () => changes > 0 && inventory.nodes().find((n) => n.name === 'gpu-box')?.labels.zone === 'z1',
      );
      await kube.core.deleteNode({ name: 'gpu-box' });
      await eventually('the deleted node to leave the report', () => !inventory.nodes().some((n) => n.name === 'gpu-box'));
    } finally {
      await inventory.stop();
    }
  });

  it('reports the status of the workloads it manages (and only those) through a watch', async () => {
    const api2 = { ...deployment('ns1', 'api'), spec: { ...(deployment('ns1', 'api').spec as object), replicas: 2 } };
    assert.deepEqual(await reconcile(api, state({ namespaces: ['ns1'], workloads: [api2] })), []);
    const inventory = new KubeInventory(kube.kc, silentLogger, 50);
    let changes = 0;
    inventory.onChange(() => {
      changes += 1;
    });
    try {
      await inventory.start();
      const reported = inventory.workloads();
      assert.deepEqual(
        reported.map((w) => w.name),
        ['api'],
        'the unmanaged Deployment "theirs" is not reported',
      );
      const { labels, ...status } = reported[0] as (typeof reported)[number] & { labels?: Record<string, string> };
      assert.deepEqual(status, {
        namespace: 'ns1',
        name: 'api',
        kind: 'Deployment',
        generation: 1,
        observedGeneration: 0,
        desiredReplicas: 2,
        updatedReplicas: 0,
        readyReplicas: 0,
        availableReplicas: 0,
        message: '',
      });
      if (labels) assert.equal(labels[MANAGED_BY.key], 'ote');
      // No controllers here: play the Deployment controller and write the status.
      const current = await apps.readNamespacedDeployment({ namespace: 'ns1', name: 'api' });
      await apps.replaceNamespacedDeploymentStatus({
        namespace: 'ns1',
        name: 'api',
        body: {
          ...current,
          status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
        },
      });
      await eventually('the new status reported, with a change event', () => {
        const w = inventory.workloads()[0];
        return changes > 0 && w?.availableReplicas === 2 && w.observedGeneration === 1 && w.updatedReplicas === 2;
      });
    } finally {
      await inventory.stop();
    }
  });

  it('needs no more rights than deploy/agent-rbac.yaml grants, which refuse what it does not need', async () => {
    const admin = KubernetesObjectApi.makeApiClient(kube.kc);
    const manifest = new URL('../../deploy/agent-rbac.yaml', import.meta.url);
    for (const doc of loadAllYaml(fs.readFileSync(manifest, 'utf8'))) await admin.create(doc);
    const kc = impersonating(kube.kc, 'system:serviceaccount:ote-system:ote-agent');
    const restricted = new KubeClusterApi(kc);
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'rbac1' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] },
    };
    const ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'rbac1' },
      spec: {
        rules: [
          {
            host: 'web.example',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
          },
        ],
      },
    };
    const desired = state({
      namespaces: ['rbac1'],
      nodeLabels: { 'edge-1': ['rbac'] },
      pullSecrets: [{ namespace: 'rbac1', name: 'ote.registry', dockerConfigJson: dockerConfig('robot') }],
      workloads: [deployment('rbac1', 'web'), service, ingress],
    });
    // The RBAC authorizer learns new bindings through its own watch: allow it a moment.
    await eventually('a clean reconcile as the agent account', async () => {
      const errors = await reconcile(restricted, desired);
      if (errors.length > 0) throw new Error(errors.join('; '));
      return true;
    });
    assert.equal((await ns('rbac1')).metadata?.labels?.[MANAGED_BY.key], 'ote');
    assert.equal((await nodeLabels(kube.core, 'edge-1'))[`${P}rbac`], 'true');
    assert.ok(await kube.core.readNamespacedSecret({ namespace: 'rbac1', name: 'ote.registry' }));
    assert.ok(await kube.core.readNamespacedService({ namespace: 'rbac1', name: 'web' }));
    // Removing everything exercises the delete rights (and pruning of ns1 from the earlier tests).
    assert.deepEqual(await reconcile(restricted, state()), []);
    assert.ok((await ns('rbac1')).metadata?.deletionTimestamp);

    const inventory = new KubeInventory(kc, silentLogger, 50);
    try {
      await inventory.start();
      assert.ok(
        inventory.nodes().some((n) => n.name === 'edge-1'),
        'the agent account can watch nodes',
      );
    } finally {
      await inventory.stop();
    }
    const core = kc.makeApiClient(CoreV1Api);
    const forbidden = (err: { code?: number }) => err.code === 403;
    await assert.rejects(core.listConfigMapForAllNamespaces(), forbidden, 'no ConfigMaps');
    await assert.rejects(core.deleteNode({ name: 'edge-2' }), forbidden, 'no deleting Nodes');
    await assert.rejects(core.listPodForAllNamespaces(), forbidden, 'no Pods');
  });
});
