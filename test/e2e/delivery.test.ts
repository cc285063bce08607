/**
 * Issue #14 end to end (API.md §8.1): a real hub process, two edge clusters,
 * each a real kube-apiserver (envtest: no kubelet, so a Deployment's status is
 * patched to stand for its pods) behind the real agent process. Shows the six
 * points of the issue: preview = applied objects; the diff of a pending
 * revision; overrides and ${CLUSTER_NAME}; onFailure rollback; an offline
 * cluster in a rollout; a hub SIGKILLed mid-rollout. First database only.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { Api, expectStatus } from '../helpers/client.js';
import { type Edge, EdgeFleet, deploymentsIn } from '../helpers/edges.js';
import { type HubProcess, startHubProcess } from '../helpers/hub-process.js';
import { ADMIN, DATABASES, TestDatabase } from '../helpers/hub.js';
import { ENVTEST } from '../helpers/kube.js';
import { type Tenant, makeTenant } from '../helpers/tenants.js';
import { eventually } from '../helpers/wait.js';

const db = DATABASES[0];
const skip = fs.existsSync(ENVTEST) ? false : 'the shared kube-envtest tool is missing';
const REGISTRY = 'registry.test:5000';
const HUB_ENV = { OTE_REGISTRY_DOMAIN: REGISTRY, OTE_HEARTBEAT_GRACE: '3' };
// biome-ignore lint: objects and response bodies are open-ended JSON
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects and response bodies are open-ended JSON
type Obj = Record<string, any>;

/** Every field `want` sets is in `have` with the same value (the apiserver adds defaults); answers the first mismatch. */
function missing(have: unknown, want: unknown, path = ''): string | null {
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length)
      return `${path}: ${JSON.stringify(have)} is not ${JSON.stringify(want)}`;
    for (const [i, w] of want.entries()) {
      const m = missing(have[i], w, `${path}/${i}`);
      if (m) return m;
    }
    return null;
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null) return `${path}: missing`;
    for (const [k, w] of Object.entries(want)) {
      const m = missing((have as Obj)[k], w, `${path}/${k}`);
      if (m) return m;
    }
    return null;
  }
  return have === want ? null : `${path}: ${JSON.stringify(have)} is not ${JSON.stringify(want)}`;
}

describe(
  `delivery end to end: preview, per-cluster values, rollback, offline clusters, hub restart [${db}]`,
  { skip, timeout: 300_000 },
  () => {
    let database: TestDatabase;
    let hub: HubProcess;
    let api: Api;
    let admin: string;
    let t: Tenant;
    const fleet = new EdgeFleet([{ name: 'c1' }, { name: 'c2' }]);
    const edges = fleet.edges;
    let appId = 0;
    const site = 'site';
    const big = 'big';

    before(async () => {
      database = await TestDatabase.create(db);
      hub = await startHubProcess(database, HUB_ENV);
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      t = await makeTenant(api, admin);
      await fleet.start({ url: hub.url, api, adminToken: admin });
      for (const e of edges) await waitFor(`${e.name} ready`, async () => (await clusterRow(e.name))?.isReady === true);
    });
    after(async () => {
      await fleet.stop();
      await hub?.stop();
      await database?.drop().catch(() => {});
    });

    const ns = () => `ns${t.businessId}`;
    const logs = () =>
      `${edges.map((e) => `--- ${e.name} agent log:\n${e.agent?.log().slice(-1500) ?? ''}`).join('\n')}\n--- hub log:\n${hub.log().slice(-2000)}`;
    const waitFor = async <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> =>
      eventually(what, probe, { timeoutMs, intervalMs: 250 }).catch((err) => {
        throw new Error(`${err.message}\n${logs()}`);
      });
    const clusterRow = async (name: string) =>
      (expectStatus(await api.get('/v1/cluster', { token: admin }), 200).data as Obj[]).find((c) => c.clusterName === name);
    const { read, image, markAvailable } = deploymentsIn(ns);
    const label = async (clusterLabel: string, clusterName: string[]) =>
      expectStatus(await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel, clusterName } }), 200);
    const approve = async (id: number) =>
      expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1, comment: 'e2e' } }), 200);
    const detail = async (id: number) => expectStatus(await api.get(`/v1/app/${id}`, { token: t.member.token }), 200).data;
    const stateOf = async (id: number, e: Edge) => (await detail(id)).clusters.find((x: Obj) => x.clusterName === e.name);
    const vision = (tag: string, rollout: Obj) => ({
      image: 'proj/vision',
      tag,
      clusterLabel: site,
      ports: [{ containerPort: 8080 }],
      env: { SITE: 'site-${CLUSTER_NAME}', MODE: 'edge' },
      args: ['--cluster=${CLUSTER_NAME}'],
      overrides: [{ clusterLabel: big, replicas: 3 }],
      rollout,
    });
    const update = async (id: number, body: Obj) =>
      expectStatus(await api.put(`/v1/app/${id}`, { token: t.member.token, body }), 200).data.revision;

    it('the preview of a new spec is, object for object, what the agents apply; an override and ${CLUSTER_NAME} per cluster', async () => {
      const [c1, c2] = edges;
      await label(site, [c1.name, c2.name]);
      await label(big, [c1.name]);
      const body = { appName: 'vision', ...vision('v1', { batchSize: 1, progressDeadlineSeconds: 60 }) };
      const preview = expectStatus(await api.post('/v1/app/preview', { token: t.member.token, body }), 200).data
        .clusters as Obj[];
      assert.deepEqual(
        preview.map((c) => c.clusterName),
        ['c1', 'c2'],
      );
      appId = expectStatus(await api.post('/v1/app', { token: t.member.token, body }), 200).data.id;
      await approve(appId);
      // Batch 1 is c1; c2 follows once c1 is available.
      await waitFor('vision in c1', () => read(c1, 'vision'));
      await markAvailable(c1, 'vision');
      await waitFor('vision in c2', () => read(c2, 'vision'));
      await markAvailable(c2, 'vision');
      await waitFor('both available', async () => (await detail(appId)).readyClusters === 2);

      for (const e of edges) {
        const objects = preview.find((c) => c.clusterName === e.name)?.objects as Obj[];
        assert.deepEqual(
          objects.map((o) => o.kind),
          ['Deployment', 'Service'],
        );
        for (const want of objects) {
          // A new application has no id yet: its preview carries 0.
          const expected = JSON.parse(
            JSON.stringify(want).replaceAll('"app.ote-stack.io/id":"0"', `"app.ote-stack.io/id":"${appId}"`),
          );
          const live =
            want.kind === 'Deployment'
              ? await read(e, 'vision')
              : await e.kube.core.readNamespacedService({ namespace: ns(), name: 'vision' });
          const l = JSON.parse(JSON.stringify(live));
          assert.equal(missing(l.spec, expected.spec), null, `${e.name} ${want.kind} spec as previewed`);
          assert.deepEqual(l.metadata.labels, expected.metadata.labels, `${e.name} ${want.kind} labels as previewed`);
        }
      }
      const d1 = (await read(c1, 'vision')) as V1Deployment;
      const d2 = (await read(c2, 'vision')) as V1Deployment;
      assert.equal(d1.spec?.replicas, 3, 'the override for label big');
      assert.equal(d2.spec?.replicas, 1, 'the default');
      for (const [e, d] of [
        [c1, d1],
        [c2, d2],
      ] as const) {
        const c = d.spec?.template?.spec?.containers?.[0];
        assert.deepEqual(
          c?.env?.map((x) => [x.name, x.value]),
          [
            ['MODE', 'edge'],
            ['SITE', `site-${e.name}`],
          ],
        );
        assert.deepEqual(c?.args, [`--cluster=${e.name}`]);
      }
    });

    it('the diff of a pending revision names the changed image, an added variable and a cluster a new clusterLabel adds', async () => {
      const [c1, c2] = edges;
      const id = expectStatus(
        await api.post('/v1/app', {
          token: t.member.token,
          body: { appName: 'web', image: 'proj/web', tag: 'v1', clusterLabel: big, env: { A: '1' } },
        }),
        200,
      ).data.id;
      await approve(id);
      await waitFor('web in c1', () => read(c1, 'web'));
      await update(id, { image: 'proj/web', tag: 'v2', clusterLabel: site, env: { A: '1', B: '2' } });
      const p = expectStatus(await api.get(`/v1/app/${id}/preview`, { token: admin }), 200).data.clusters as Obj[];
      const on1 = p.find((c) => c.clusterName === c1.name) as Obj;
      const on2 = p.find((c) => c.clusterName === c2.name) as Obj;
      assert.equal(on1.change, 'update');
      assert.deepEqual(
        on1.diff.find((d: Obj) => d.path === '/spec/template/spec/containers/0/image'),
        {
          kind: 'Deployment',
          name: 'web',
          path: '/spec/template/spec/containers/0/image',
          from: `${REGISTRY}/proj/web:v1`,
          to: `${REGISTRY}/proj/web:v2`,
        },
      );
      assert.deepEqual(on1.diff.find((d: Obj) => d.path === '/spec/template/spec/containers/0/env/1')?.to, {
        name: 'B',
        value: '2',
      });
      assert.equal(on2.change, 'add');
      assert.equal(on2.diff[0].path, '');
      assert.equal(on2.diff[0].to.kind, 'Deployment');
      // What runs now is what the preview says runs now: c1's live image is the diff's "from".
      assert.equal(await image(c1, 'web'), on1.diff.find((d: Obj) => d.path.endsWith('/image')).from);
      assert.equal(await read(c2, 'web'), undefined, 'previewing applies nothing');
      expectStatus(await api.delete(`/v1/app/${id}`, { token: t.member.token }), 200);
      await waitFor('web deleted from c1', async () => (await read(c1, 'web')) === undefined);
    });

    it('onFailure rollback: batch 1 never becomes available, c1 returns to the previous image, the revision is failed', async () => {
      const [c1, c2] = edges;
      const rev = await update(appId, vision('v2', { batchSize: 1, progressDeadlineSeconds: 10, onFailure: 'rollback' }));
      await approve(appId);
      await waitFor('v2 in c1', async () => (await image(c1, 'vision')) === `${REGISTRY}/proj/vision:v2`);
      // No pods stand for v2: the deadline passes.
      await waitFor('the rollback', async () => (await detail(appId)).runningRevision === rev - 1, 40_000);
      await waitFor('v1 back in c1', async () => (await image(c1, 'vision')) === `${REGISTRY}/proj/vision:v1`);
      assert.equal(await image(c2, 'vision'), `${REGISTRY}/proj/vision:v1`, 'c2 never moved');
      const d = await detail(appId);
      assert.equal(d.status, 'failed');
      assert.match(d.message, new RegExp(`revision ${rev} failed: .*c1 \\(`));
      const revs = expectStatus(await api.get(`/v1/app/${appId}/revision`, { token: t.member.token }), 200).data;
      assert.equal(revs[0].status, 'failed');
      await markAvailable(c1, 'vision');
      await waitFor('c1 available again', async () => (await stateOf(appId, c1))?.state === 'available');
    });

    it('an agent stopped before its batch: the rollout completes on the other, the cluster is offline, and gets the revision after restart', async () => {
      const [c1, c2] = edges;
      await c2.agent?.stop();
      await waitFor('c2 not ready', async () => (await clusterRow(c2.name))?.isReady === false, 20_000);
      const rev = await update(appId, vision('v3', { batchSize: 1, progressDeadlineSeconds: 60, onFailure: 'rollback' }));
      await approve(appId);
      await waitFor('v3 in c1', async () => (await image(c1, 'vision')) === `${REGISTRY}/proj/vision:v3`);
      await markAvailable(c1, 'vision');
      const done = await waitFor('the rollout to complete without c2', async () => {
        const d = await detail(appId);
        return d.readyClusters === 1 && d.offlineClusters === 1 && d.runningRevision === rev && d;
      });
      assert.equal(done.status, 'approved');
      assert.equal(done.clusters.find((x: Obj) => x.clusterName === c2.name).state, 'offline');
      assert.equal(await image(c2, 'vision'), `${REGISTRY}/proj/vision:v1`, 'nothing reached the stopped cluster');
      fleet.startAgent(c2);
      await waitFor(
        'v3 in c2 after its agent restarts',
        async () => (await image(c2, 'vision')) === `${REGISTRY}/proj/vision:v3`,
      );
      await markAvailable(c2, 'vision');
      await waitFor('c2 available', async () => (await detail(appId)).readyClusters === 2);
      assert.equal((await detail(appId)).offlineClusters, 0);
    });

    it('a hub SIGKILLed mid-rollout resumes it after restart', async () => {
      const [c1, c2] = edges;
      const rev = await update(appId, vision('v4', { batchSize: 1, progressDeadlineSeconds: 120, onFailure: 'rollback' }));
      await approve(appId);
      await waitFor('v4 in c1', async () => (await image(c1, 'vision')) === `${REGISTRY}/proj/vision:v4`);
      const port = hub.port;
      await hub.stop('SIGKILL');
      // The batch becomes available while no hub runs.
      await markAvailable(c1, 'vision');
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await image(c2, 'vision'), `${REGISTRY}/proj/vision:v3`);
      hub = await startHubProcess(database, HUB_ENV, port);
      admin = await api.login(ADMIN.user, ADMIN.password);
      await waitFor(
        'v4 in c2: the rollout went on after the restart',
        async () => (await image(c2, 'vision')) === `${REGISTRY}/proj/vision:v4`,
        90_000,
      );
      await markAvailable(c2, 'vision');
      await waitFor('the rollout done', async () => {
        const d = await detail(appId);
        return d.readyClusters === 2 && d.runningRevision === rev && d.clusters.every((x: Obj) => x.revision === rev);
      });
    });
  },
);
