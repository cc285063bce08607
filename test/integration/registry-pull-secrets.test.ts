/**
 * The whole pull-secret chain with real parts: the hub's desired state →
 * the real agent process (`ote agent`) → a real kube-apiserver, where
 * `ns<businessId>` gets `kubernetes.io/dockerconfigjson` Secrets; the
 * platform one's robot credentials, read back from the apiserver, pull the
 * business's private image from a real registry. Heavy (apiserver + etcd +
 * registry + agent), so it runs on the first configured database only.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type OteProcess, startAgentProcess } from '../helpers/agent-process.js';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { ENVTEST, type KubeCluster, startKube } from '../helpers/kube.js';
import { type TestRegistry, buildOciImage, freePort, pull, push, registryAvailable, startRegistry } from '../helpers/registry.js';
import { type Tenant, makeTenant, newPassword, uniqueName } from '../helpers/tenants.js';
import { eventually } from '../helpers/wait.js';

const db = DATABASES[0];
const skip = !registryAvailable()
  ? 'docker-registry/skopeo not installed'
  : !fs.existsSync(ENVTEST)
    ? 'the shared kube-envtest tool is missing'
    : false;

describe(`pull secrets reach a real kube-apiserver through the real agent [${db}]`, { skip }, () => {
  let hub: TestHub;
  let registry: TestRegistry;
  let kube: KubeCluster;
  let agent: OteProcess | undefined;
  let api: Api;
  let a: Tenant;
  const project = uniqueName('ps');
  const extPassword = `ext-${randomBytes(10).toString('hex')}`;

  before(async () => {
    const port = await freePort();
    const notifySecret = randomBytes(24).toString('hex');
    kube = await startKube();
    hub = await startHub(db, {
      OTE_REGISTRY_URL: `http://127.0.0.1:${port}`,
      OTE_REGISTRY_DOMAIN: `127.0.0.1:${port}`,
      OTE_REGISTRY_NOTIFY_SECRET: notifySecret,
    });
    api = new Api(hub.url);
    api.secrets.add(extPassword);
    registry = await startRegistry({
      port,
      hubUrl: hub.url,
      certificatePem: (await api.get('/v1/registry/certificate')).text,
      notifySecret,
    });
    const admin = await api.login(ADMIN.user, ADMIN.password);
    a = await makeTenant(api, admin);
    const user = uniqueName('r');
    const password = newPassword();
    api.secrets.add(password);
    expectStatus(await api.post('/v1/repository/user', { token: a.admin.token, body: { user, password } }), 200);
    expectStatus(
      await api.post('/v1/repository/project', { token: a.admin.token, body: { projectName: project, public: false } }),
      201,
    );
    const image = await buildOciImage('v1', 'pull secret test');
    try {
      const pushed = await push(image.dir, 'v1', `${registry.host}/${project}/app:v1`, `${user}:${password}`);
      assert.ok(pushed.ok, pushed.output);
    } finally {
      image.cleanup();
    }
    const join = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: 'edge-ps' } }), 200).data;
    agent = startAgentProcess({ hubUrl: hub.url, token: join.token, kubeconfig: kube.kubeconfigPath, heartbeat: 1 });
  });
  after(async () => {
    await agent?.stop();
    await registry?.stop();
    await hub?.close();
    await kube?.stop();
  });

  const secret = (name: string) =>
    kube.core.readNamespacedSecret({ namespace: `ns${a.businessId}`, name }).catch((err) => {
      if (err?.code === 404) return undefined;
      throw err;
    });
  const dockerConfig = (s: { data?: Record<string, string> }) =>
    JSON.parse(Buffer.from(s.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8'));

  it("puts the business's platform pull secret in ns<id>, and its robot credentials pull the private image", async () => {
    const s = await eventually('the ote.registry Secret', () => secret('ote.registry'), { timeoutMs: 60_000 }).catch((err) => {
      throw new Error(`${err.message}\nagent log:\n${agent?.log().slice(-3000)}`);
    });
    assert.equal(s.type, 'kubernetes.io/dockerconfigjson');
    const auth = dockerConfig(s).auths[registry.host];
    assert.equal(auth.username, `ote-pull-${a.businessId}`);
    assert.equal(Buffer.from(auth.auth, 'base64').toString(), `${auth.username}:${auth.password}`);
    const pulled = await pull(`${registry.host}/${project}/app:v1`, `${auth.username}:${auth.password}`);
    assert.ok(pulled.ok, `the robot from the cluster's Secret pulls the private image: ${pulled.output}`);
  });

  it('adds a Secret named after each external repository, and removes it when the repository is deleted', async () => {
    const body = { repositoryId: 'harbor-edge', address: 'harbor.example:8443', user: 'edge', password: extPassword };
    expectStatus(await api.post('/v1/repository/third', { token: a.admin.token, body }), 200);
    const s = await eventually('the harbor-edge Secret', () => secret('harbor-edge'), { timeoutMs: 30_000 });
    assert.equal(s.type, 'kubernetes.io/dockerconfigjson');
    assert.deepEqual(dockerConfig(s).auths['harbor.example:8443'], {
      username: 'edge',
      password: extPassword,
      auth: Buffer.from(`edge:${extPassword}`).toString('base64'),
    });
    expectStatus(
      await api.delete('/v1/repository/third', { token: a.admin.token, body: { repositoryId: ['harbor-edge'] } }),
      200,
    );
    await eventually('the harbor-edge Secret to go', async () => (await secret('harbor-edge')) === undefined, {
      timeoutMs: 30_000,
    });
    assert.ok(await secret('ote.registry'), 'the platform pull secret stays');
  });
});
