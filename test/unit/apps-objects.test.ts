import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type WorkloadInput, buildObjects, dependsOnCluster, serviceName } from '../../src/apps/objects.js';
import type { AppSpec } from '../../src/apps/schemas.js';

const spec: AppSpec = {
  appName: 'Web-1',
  description: 'camera reader',
  image: 'proj/web',
  tag: 'v2',
  replicas: 3,
  ports: [
    { containerPort: 8080, protocol: 'TCP' },
    { containerPort: 5353, protocol: 'UDP' },
  ],
  env: { ZED: 'z', ALPHA: 'a' },
  command: ['/bin/app'],
  args: ['--fast'],
  cpu: 0.5,
  memory: 268435456,
  gpu: 1,
  clusterLabel: 'edge',
  nodeLabel: 'camera',
  repositoryId: 'harbor-1',
  kind: 'Deployment',
  maxSurge: 1,
  maxUnavailable: '25%',
  volumes: [{ name: 'cam', hostPath: '/dev/video0', mountPath: '/dev/cam', readOnly: true }],
  ingress: { host: 'web.example.com', path: '/api', port: 8080 },
  rollout: { batchSize: 1, pauseOnFailure: true, progressDeadlineSeconds: 120 },
};
const input = (over: Partial<WorkloadInput> = {}): WorkloadInput => ({
  appId: 7,
  businessId: 12,
  appName: 'Web-1',
  revision: 4,
  spec,
  replicas: 5,
  registryDomain: 'reg.example.com:5000',
  enableIngress: true,
  cluster: { name: 'edge-a', labels: ['edge'] },
  ...over,
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the objects are open-ended JSON
type Obj = Record<string, any>;
const find = (objs: Obj[], kind: string): Obj => objs.find((o) => o.kind === kind) as Obj;

describe('Kubernetes objects of an application', () => {
  it('builds the Deployment field by field', () => {
    const d = find(buildObjects(input()), 'Deployment');
    assert.equal(d.apiVersion, 'apps/v1');
    assert.deepEqual(d.metadata, {
      name: 'web-1',
      namespace: 'ns12',
      labels: {
        'app.kubernetes.io/managed-by': 'ote',
        'app.ote-stack.io/app': 'web-1',
        'app.ote-stack.io/id': '7',
        'app.ote-stack.io/revision': '4',
      },
    });
    assert.equal(d.spec.replicas, 5, "the effective replicas, not the revision's");
    assert.deepEqual(d.spec.selector, { matchLabels: { 'app.ote-stack.io/app': 'web-1' } });
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
    assert.equal(d.spec.progressDeadlineSeconds, 120);
    assert.equal(d.spec.template.metadata.labels['app.ote-stack.io/app'], 'web-1');
    assert.equal(d.spec.template.metadata.labels['app.ote-stack.io/revision'], '4');
    const pod = d.spec.template.spec;
    assert.deepEqual(pod.imagePullSecrets, [{ name: 'ote.registry' }, { name: 'harbor-1' }]);
    assert.deepEqual(pod.nodeSelector, { 'node.ote-stack.io/camera': 'true' });
    assert.deepEqual(pod.volumes, [{ name: 'cam', hostPath: { path: '/dev/video0' } }]);
    assert.equal(pod.containers.length, 1);
    const c = pod.containers[0];
    assert.equal(c.name, 'web-1');
    assert.equal(c.image, 'reg.example.com:5000/proj/web:v2');
    assert.deepEqual(c.command, ['/bin/app']);
    assert.deepEqual(c.args, ['--fast']);
    assert.deepEqual(c.ports, [
      { containerPort: 8080, protocol: 'TCP' },
      { containerPort: 5353, protocol: 'UDP' },
    ]);
    assert.deepEqual(c.env, [
      { name: 'ALPHA', value: 'a' },
      { name: 'ZED', value: 'z' },
    ]);
    assert.deepEqual(c.resources, {
      requests: { cpu: '500m', memory: '268435456' },
      limits: { cpu: '500m', memory: '268435456', 'nvidia.com/gpu': '1' },
    });
    assert.deepEqual(c.volumeMounts, [{ name: 'cam', mountPath: '/dev/cam', readOnly: true }]);
  });

  it('keeps a full image reference and adds no platform pull secret for it', () => {
    const d = find(buildObjects(input({ spec: { ...spec, image: 'quay.io/org/app', repositoryId: undefined } })), 'Deployment');
    assert.equal(d.spec.template.spec.containers[0].image, 'quay.io/org/app:v2');
    assert.equal(d.spec.template.spec.imagePullSecrets, undefined);
  });

  it("gives a full reference on the platform registry's own domain the platform pull secret", () => {
    const d = find(
      buildObjects(input({ spec: { ...spec, image: 'REG.example.com:5000/proj/web', repositoryId: undefined } })),
      'Deployment',
    );
    assert.equal(d.spec.template.spec.containers[0].image, 'REG.example.com:5000/proj/web:v2', 'kept as is');
    assert.deepEqual(d.spec.template.spec.imagePullSecrets, [{ name: 'ote.registry' }]);
    const other = find(
      buildObjects(input({ spec: { ...spec, image: 'reg.example.com:5001/proj/web', repositoryId: undefined } })),
      'Deployment',
    );
    assert.equal(other.spec.template.spec.imagePullSecrets, undefined, 'another port is another registry');
  });

  it('leaves out what the spec does not ask for', () => {
    const bare: AppSpec = {
      ...spec,
      ports: [],
      env: {},
      command: [],
      args: [],
      cpu: undefined,
      memory: undefined,
      gpu: undefined,
      nodeLabel: undefined,
      repositoryId: undefined,
      maxSurge: undefined,
      maxUnavailable: undefined,
      volumes: [],
      ingress: undefined,
      rollout: undefined,
    };
    const objs = buildObjects(input({ spec: bare }));
    assert.deepEqual(
      objs.map((o) => o.kind),
      ['Deployment'],
      'no Service without ports',
    );
    const d = find(objs, 'Deployment');
    const c = d.spec.template.spec.containers[0];
    for (const k of ['command', 'args', 'ports', 'env', 'resources', 'volumeMounts']) assert.equal(c[k], undefined, k);
    for (const k of ['nodeSelector', 'volumes']) assert.equal(d.spec.template.spec[k], undefined, k);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate' });
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.deepEqual(
      find(buildObjects(input({ spec: { ...bare, memory: 1048576 } })), 'Deployment').spec.template.spec.containers[0].resources,
      {
        requests: { memory: '1048576' },
        limits: { memory: '1048576' },
      },
    );
    const gpuOnly = find(buildObjects(input({ spec: { ...bare, gpu: 2 } })), 'Deployment').spec.template.spec.containers[0];
    assert.deepEqual(gpuOnly.resources, { limits: { 'nvidia.com/gpu': '2' } });
  });

  it('builds a DaemonSet without replicas', () => {
    const objs = buildObjects(input({ spec: { ...spec, kind: 'DaemonSet' } }));
    assert.equal(find(objs, 'Deployment'), undefined);
    const ds = find(objs, 'DaemonSet');
    assert.equal(ds.apiVersion, 'apps/v1');
    assert.equal(ds.spec.replicas, undefined);
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
    assert.deepEqual(ds.spec.template.spec.nodeSelector, { 'node.ote-stack.io/camera': 'true' });
  });

  it('builds the Service for the ports', () => {
    const s = find(buildObjects(input()), 'Service');
    assert.equal(s.apiVersion, 'v1');
    assert.equal(s.metadata.name, 'web-1');
    assert.equal(s.metadata.namespace, 'ns12');
    assert.equal(s.metadata.labels['app.kubernetes.io/managed-by'], 'ote');
    assert.deepEqual(s.spec, {
      type: 'ClusterIP',
      selector: { 'app.ote-stack.io/app': 'web-1' },
      ports: [
        { name: 'tcp-8080', port: 8080, targetPort: 8080, protocol: 'TCP' },
        { name: 'udp-5353', port: 5353, targetPort: 5353, protocol: 'UDP' },
      ],
    });
    assert.equal(serviceName('1app'), 'a1app', 'a Service name starts with a letter');
  });

  it('builds the Ingress only while enableIngress is on', () => {
    const ing = find(buildObjects(input()), 'Ingress');
    assert.equal(ing.apiVersion, 'networking.k8s.io/v1');
    assert.equal(ing.metadata.name, 'web-1');
    assert.equal(ing.metadata.namespace, 'ns12');
    assert.deepEqual(ing.spec.rules, [
      {
        host: 'web.example.com',
        http: {
          paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'web-1', port: { number: 8080 } } } }],
        },
      },
    ]);
    assert.equal(find(buildObjects(input({ enableIngress: false })), 'Ingress'), undefined);
  });

  describe('per-cluster values (API.md §8.1)', () => {
    const withOverrides: AppSpec = {
      ...spec,
      env: { ZED: 'z', SITE: 'site-${CLUSTER_NAME}' },
      args: ['--name=${CLUSTER_NAME}', '--fast'],
      overrides: [
        { clusterLabel: 'big', replicas: 9, tag: 'v3', env: { ZED: 'big', EXTRA: 'x' } },
        { clusterLabel: 'gpu', cpu: 2, memory: 1073741824, env: { ZED: 'gpu' } },
      ],
    };
    const container = (objs: Record<string, unknown>[]) => find(objs, 'Deployment').spec.template.spec.containers[0];

    it('applies the overrides whose label the cluster carries, in order, later wins, env merged by name', () => {
      const objs = buildObjects(input({ spec: withOverrides, cluster: { name: 'c9', labels: ['big', 'edge', 'gpu'] } }));
      const d = find(objs, 'Deployment');
      assert.equal(d.spec.replicas, 9);
      const c = container(objs);
      assert.equal(c.image, 'reg.example.com:5000/proj/web:v3');
      assert.deepEqual(c.env, [
        { name: 'EXTRA', value: 'x' },
        { name: 'SITE', value: 'site-c9' },
        { name: 'ZED', value: 'gpu' },
      ]);
      assert.deepEqual(c.resources, {
        requests: { cpu: '2000m', memory: '1073741824' },
        limits: { cpu: '2000m', memory: '1073741824', 'nvidia.com/gpu': '1' },
      });
      assert.deepEqual(c.args, ['--name=c9', '--fast']);
    });

    it('leaves a cluster without those labels at the defaults, with its own name substituted', () => {
      const objs = buildObjects(input({ spec: withOverrides, cluster: { name: 'plain', labels: ['edge'] } }));
      assert.equal(find(objs, 'Deployment').spec.replicas, 5);
      const c = container(objs);
      assert.equal(c.image, 'reg.example.com:5000/proj/web:v2');
      assert.deepEqual(c.env, [
        { name: 'SITE', value: 'site-plain' },
        { name: 'ZED', value: 'z' },
      ]);
      assert.deepEqual(c.args, ['--name=plain', '--fast']);
    });

    it('knows which specs render differently per cluster', () => {
      assert.equal(dependsOnCluster(spec), false);
      assert.equal(dependsOnCluster(withOverrides), true);
      assert.equal(dependsOnCluster({ ...spec, args: ['${CLUSTER_NAME}'] }), true);
      assert.equal(dependsOnCluster({ ...spec, env: { A: 'x${CLUSTER_NAME}' } }), true);
    });
  });
});
