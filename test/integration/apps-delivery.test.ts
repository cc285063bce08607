import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AgentCluster, AppClusters } from '../helpers/app-clusters.js';
import { type Api, expectStatus } from '../helpers/client.js';
import { until } from '../helpers/fake-agent.js';
import { DATABASES, startHub } from '../helpers/hub.js';
import { type Tenant, makeTenant, uniqueName } from '../helpers/tenants.js';

// biome-ignore lint: workload objects and response bodies are open-ended JSON
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- workload objects and response bodies are open-ended JSON
type Obj = Record<string, any>;

type Cluster = AgentCluster;

/** API.md §8.1: overrides, ${CLUSTER_NAME}, the preview endpoints, onFailure, failed revisions, canary and offline clusters. */
for (const db of DATABASES) {
  describe(`delivery: preview, per-cluster values, self-healing rollouts [${db}]`, () => {
    const apps = new AppClusters(db);
    let api: Api;
    let admin: string;
    let t: Tenant;
    let other: Tenant;

    before(async () => {
      await apps.start();
      ({ api, admin, tenant: t } = apps);
      other = await makeTenant(api, admin);
    });
    after(() => apps.stop());

    const { connect, clusters, latest, deployment, revisionOn, waitRevision, report, detail, waitState, approve, createApp } =
      apps;
    const clusterRow = async (c: Cluster) =>
      (expectStatus(await api.get(`/v1/cluster?pageSize=0`, { token: admin }), 200).data as Obj[]).find(
        (x) => x.clusterName === c.name,
      ) as Obj;
    const preview = async (id: number, q = '') =>
      expectStatus(await api.get(`/v1/app/${id}/preview${q}`, { token: t.member.token }), 200).data.clusters as Obj[];

    describe('validation of the new fields', () => {
      const bad = async (over: Obj, field: string, path = '/v1/app') => {
        const body = { appName: uniqueName('v').toLowerCase(), image: 'proj/web', ...over };
        const res = expectStatus(await api.post(path, { token: t.member.token, body }), 422, JSON.stringify(over));
        assert.ok(res.message.includes(field), `message "${res.message}" names ${field}`);
      };
      const ok = { clusterLabel: 'edge', replicas: 2 };

      it('overrides: each field, by index, on create, update and preview', async () => {
        for (const path of ['/v1/app', '/v1/app/preview']) {
          await bad({ overrides: 'x' }, 'overrides', path);
          await bad({ overrides: Array.from({ length: 65 }, () => ok) }, 'overrides', path);
          await bad({ overrides: [ok, ok, { clusterLabel: '-bad-', replicas: 1 }] }, 'overrides[2].clusterLabel', path);
          await bad({ overrides: [{ replicas: 1 }] }, 'overrides[0].clusterLabel', path);
          await bad({ overrides: [ok, { clusterLabel: 'edge', replicas: 101 }] }, 'overrides[1].replicas', path);
          await bad({ overrides: [{ clusterLabel: 'edge', tag: '-x' }] }, 'overrides[0].tag', path);
          await bad({ overrides: [{ clusterLabel: 'edge', env: { '1A': 'x' } }] }, 'overrides[0].env', path);
          await bad({ overrides: [{ clusterLabel: 'edge', env: { A: 1 } }] }, 'overrides[0].env', path);
          await bad({ overrides: [{ clusterLabel: 'edge', cpu: 0 }] }, 'overrides[0].cpu', path);
          await bad({ overrides: [{ clusterLabel: 'edge', cpu: 0.0005 }] }, 'overrides[0].cpu', path);
          await bad({ overrides: [{ clusterLabel: 'edge', memory: 5 }] }, 'overrides[0].memory', path);
          await bad({ overrides: [{ clusterLabel: 'edge', image: 'x/y' }] }, 'overrides[0].image', path);
          await bad({ overrides: [{ clusterLabel: 'edge' }] }, 'overrides[0]', path);
          await bad({ kind: 'DaemonSet', overrides: [{ clusterLabel: 'edge', replicas: 2 }] }, 'overrides[0].replicas', path);
        }
        const id = await createApp({
          appName: 'ov-valid',
          image: 'proj/web',
          overrides: [{ clusterLabel: 'edge', replicas: 2 }],
        });
        const res = expectStatus(
          await api.put(`/v1/app/${id}`, {
            token: t.member.token,
            body: { image: 'proj/web', overrides: [ok, { clusterLabel: 'a b' }] },
          }),
          422,
        );
        assert.match(res.message, /overrides\[1\]\.clusterLabel/);
      });

      it('rollout.onFailure, its pauseOnFailure alias and rollout.canary', async () => {
        await bad({ rollout: { onFailure: 'explode' } }, 'rollout.onFailure');
        await bad({ rollout: { onFailure: 'rollback', pauseOnFailure: true } }, 'rollout.pauseOnFailure');
        await bad({ rollout: { onFailure: 'pause', pauseOnFailure: false } }, 'rollout.pauseOnFailure');
        await bad({ rollout: { canary: { clusterLabel: '' } } }, 'rollout.canary.clusterLabel');
        await bad({ rollout: { canary: {} } }, 'rollout.canary.clusterLabel');
        await bad({ rollout: { canary: { clusterLabel: 'x', batchSize: 1 } } }, 'rollout.canary.batchSize');
        const id = await createApp({
          appName: 'ro-valid',
          image: 'proj/web',
          rollout: { pauseOnFailure: false, canary: { clusterLabel: 'c' } },
        });
        const revs = expectStatus(await api.get(`/v1/app/${id}/revision`, { token: t.member.token }), 200).data;
        assert.deepEqual(revs[0].spec.rollout, {
          pauseOnFailure: false,
          onFailure: 'continue',
          canary: { clusterLabel: 'c' },
          progressDeadlineSeconds: 600,
        });
      });

      it('the preview query and the failed status filter', async () => {
        const id = await createApp({ appName: 'q-valid', image: 'proj/web' });
        for (const q of ['abc', '0', '1.5']) {
          const res = expectStatus(await api.get(`/v1/app/${id}/preview?revision=${q}`, { token: t.member.token }), 422, q);
          assert.match(res.message, /revision/);
        }
        const none = expectStatus(await api.get(`/v1/app/${id}/preview?revision=9`, { token: t.member.token }), 422);
        assert.match(none.message, /revision: application \d+ has no revision 9/);
        expectStatus(await api.get('/v1/app?status=failed', { token: t.member.token }), 200);
        assert.match(expectStatus(await api.get('/v1/app?status=broken', { token: t.member.token }), 422).message, /failed/);
      });
    });

    describe('preview', () => {
      it("is tenant-isolated: another business's application is 404, its external repository 422", async () => {
        const mine = await createApp({ appName: 'iso', image: 'proj/web' });
        expectStatus(await api.get(`/v1/app/${mine}/preview`, { token: other.member.token }), 404);
        expectStatus(await api.get(`/v1/app/${mine}/preview`, { token: other.admin.token }), 404);
        expectStatus(await api.get(`/v1/app/999999/preview`, { token: t.member.token }), 404);
        const ext = {
          repositoryId: uniqueName('ext').toLowerCase(),
          address: 'harbor.example.com',
          user: 'bot',
          password: 'S3cret-pass',
        };
        api.secrets.add(ext.password);
        expectStatus(await api.post('/v1/repository/third', { token: other.admin.token, body: ext }), 200);
        const res = expectStatus(
          await api.post('/v1/app/preview', {
            token: t.member.token,
            body: { appName: 'x', image: 'proj/web', repositoryId: ext.repositoryId },
          }),
          422,
        );
        assert.match(res.message, /repositoryId/);
        // Its owner may name it.
        expectStatus(
          await api.post('/v1/app/preview', {
            token: other.member.token,
            body: { appName: 'x', image: 'proj/web', repositoryId: ext.repositoryId },
          }),
          200,
        );
        // The system administrator previews for a named, approved business only.
        assert.match(
          expectStatus(await api.post('/v1/app/preview', { token: admin, body: { appName: 'x', image: 'proj/web' } }), 422)
            .message,
          /businessId/,
        );
        expectStatus(
          await api.post('/v1/app/preview', {
            token: admin,
            body: { appName: 'x', image: 'proj/web', businessId: t.businessId },
          }),
          200,
        );
        expectStatus(await api.get(`/v1/app/${mine}/preview`, { token: admin }), 200);
      });

      it("of a new spec: every target cluster's objects with its overrides and name, and nothing stored", async () => {
        const label = uniqueName('pv').toLowerCase();
        const big = uniqueName('big').toLowerCase();
        const [a, b] = await clusters(2, label);
        expectStatus(
          await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel: big, clusterName: [b.name] } }),
          200,
        );
        const [plain, bigOne] = [a, b];
        const before = expectStatus(await api.get('/v1/app?pageSize=0', { token: t.member.token }), 200).total;
        const body = {
          appName: 'pv-new',
          image: 'proj/web',
          tag: 'v1',
          clusterLabel: label,
          env: { SITE: 'site-${CLUSTER_NAME}' },
          args: ['--cluster=${CLUSTER_NAME}'],
          overrides: [{ clusterLabel: big, replicas: 3, tag: 'v9', env: { EXTRA: '1' } }],
        };
        const res = expectStatus(await api.post('/v1/app/preview', { token: t.member.token, body }), 200).data.clusters as Obj[];
        assert.deepEqual(res.map((c) => c.clusterName).sort(), [a.name, b.name].sort());
        const of = (name: string) => res.find((c) => c.clusterName === name) as Obj;
        const dBig = of(bigOne.name).objects.find((o: Obj) => o.kind === 'Deployment');
        const dPlain = of(plain.name).objects.find((o: Obj) => o.kind === 'Deployment');
        assert.equal(dBig.spec.replicas, 3);
        assert.equal(dPlain.spec.replicas, 1);
        assert.equal(dBig.spec.template.spec.containers[0].image, 'registry.test/proj/web:v9');
        assert.equal(dPlain.spec.template.spec.containers[0].image, 'registry.test/proj/web:v1');
        assert.deepEqual(dBig.spec.template.spec.containers[0].env, [
          { name: 'EXTRA', value: '1' },
          { name: 'SITE', value: `site-${bigOne.name}` },
        ]);
        assert.deepEqual(dPlain.spec.template.spec.containers[0].args, [`--cluster=${plain.name}`]);
        assert.equal(of(a.name).isReady, true);
        assert.equal(of(a.name).paused, false);
        assert.equal(
          expectStatus(await api.get('/v1/app?pageSize=0', { token: t.member.token }), 200).total,
          before,
          'no side effect',
        );
        expectStatus(await api.get('/v1/app?appName=pv-new', { token: t.member.token }), 200);

        // Approved, the agents get exactly the previewed objects.
        const id = await createApp(body);
        await approve(id);
        await waitRevision(bigOne, 'pv-new', '1');
        await waitRevision(plain, 'pv-new', '1');
        const withId = (o: Obj) =>
          JSON.parse(JSON.stringify(o).replaceAll('"app.ote-stack.io/id":"0"', `"app.ote-stack.io/id":"${id}"`));
        assert.deepEqual(deployment(latest(bigOne), 'pv-new'), withId(dBig));
        assert.deepEqual(deployment(latest(plain), 'pv-new'), withId(dPlain));

        // GET preview of the running revision: the same objects, nothing changes.
        // The name is now taken in this business: the preview answers as the create would (409); another business may use it.
        const taken = expectStatus(await api.post('/v1/app/preview', { token: t.member.token, body }), 409);
        assert.match(taken.message, /appName: "pv-new" is already taken/);
        expectStatus(await api.post('/v1/app', { token: t.member.token, body }), 409);
        expectStatus(await api.post('/v1/app/preview', { token: other.member.token, body }), 200);

        const now = await preview(id);
        assert.deepEqual(
          now.map((c) => [c.change, c.diff.length, c.currentRevision]),
          [
            ['none', 0, 1],
            ['none', 0, 1],
          ],
        );
        assert.deepEqual(
          now.find((c) => c.clusterName === bigOne.name)?.objects.find((o: Obj) => o.kind === 'Deployment'),
          deployment(latest(bigOne), 'pv-new'),
        );
      });

      it('of a pending revision: change and diff per cluster, including clusters placement adds and removes', async () => {
        const label = uniqueName('pd').toLowerCase();
        const wider = uniqueName('wd').toLowerCase();
        const [a, b, c] = await clusters(3, wider);
        expectStatus(
          await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel: label, clusterName: [a.name, b.name] } }),
          200,
        );
        const id = await createApp({ appName: 'pd', image: 'proj/web', tag: 'v1', clusterLabel: label, env: { A: '1' } });
        await approve(id);
        await waitRevision(a, 'pd', '1');
        // Revision 2: a new image, one more variable, on the wider label (adds c).
        expectStatus(
          await api.put(`/v1/app/${id}`, {
            token: t.member.token,
            body: { image: 'proj/web', tag: 'v2', clusterLabel: wider, env: { A: '1', B: '2' } },
          }),
          200,
        );
        const p = await preview(id);
        assert.deepEqual(
          p.map((x) => x.clusterName),
          [a.name, b.name, c.name].sort(),
        );
        const on = (k: Cluster) => p.find((x) => x.clusterName === k.name) as Obj;
        assert.equal(on(a).change, 'update');
        assert.equal(on(c).change, 'add');
        assert.equal(on(c).currentRevision, null);
        assert.ok(
          on(c).diff.some((d: Obj) => d.kind === 'Deployment' && d.path === '' && d.from === null && d.to.kind === 'Deployment'),
        );
        const image = on(a).diff.find((d: Obj) => d.path === '/spec/template/spec/containers/0/image');
        assert.deepEqual(
          [image.kind, image.name, image.from, image.to],
          ['Deployment', 'pd', 'registry.test/proj/web:v1', 'registry.test/proj/web:v2'],
        );
        const env = on(a).diff.find((d: Obj) => d.path === '/spec/template/spec/containers/0/env/1');
        assert.deepEqual([env.from, env.to], [null, { name: 'B', value: '2' }]);
        assert.ok(
          on(a).diff.some((d: Obj) => d.path === '/metadata/labels/app.ote-stack.io~1revision' && d.from === '1' && d.to === '2'),
        );
        // Nothing was applied by previewing.
        assert.equal(revisionOn(a, 'pd'), '1');
        assert.equal(revisionOn(c, 'pd'), undefined);
        // ?revision=1 against what runs: no change; a narrower revision 3 removes b and c.
        assert.deepEqual(
          (await preview(id, '?revision=1')).map((x) => x.change),
          ['none', 'none'],
        );
        await approve(id);
        await waitRevision(c, 'pd', '2');
        const narrow = uniqueName('nr').toLowerCase();
        expectStatus(
          await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel: narrow, clusterName: [a.name] } }),
          200,
        );
        expectStatus(
          await api.put(`/v1/app/${id}`, {
            token: t.member.token,
            body: { image: 'proj/web', tag: 'v2', clusterLabel: narrow, env: { A: '1', B: '2' } },
          }),
          200,
        );
        const q = await preview(id);
        assert.equal(on2(q, a).change, 'update');
        assert.equal(on2(q, b).change, 'remove');
        assert.equal(on2(q, c).change, 'remove');
        assert.deepEqual(on2(q, b).objects, []);
        assert.ok(on2(q, b).diff.every((d: Obj) => d.path === '' && d.to === null));
      });
      const on2 = (p: Obj[], k: Cluster) => p.find((x) => x.clusterName === k.name) as Obj;
    });

    describe('rollouts', () => {
      it('onFailure rollback: the failed batch returns to the previous revision, which is `failed` in the audit trail', async () => {
        const label = uniqueName('rb').toLowerCase();
        const [a, b, c] = await clusters(3, label);
        const rollout = { batchSize: 1, progressDeadlineSeconds: 10, onFailure: 'rollback' };
        const id = await createApp({ appName: 'rb', image: 'proj/web', tag: 'v1', clusterLabel: label, rollout });
        await approve(id);
        for (const k of [a, b, c]) {
          await waitRevision(k, 'rb', '1');
          report(k, 'rb', 1);
        }
        await until('revision 1 everywhere', async () => (await detail(id)).readyClusters === 3, 8000);
        // c goes away before revision 2 reaches it.
        c.agent.close();
        await waitState(id, c, 'unreachable');
        expectStatus(
          await api.put(`/v1/app/${id}`, {
            token: t.member.token,
            body: { image: 'proj/web', tag: 'v2', clusterLabel: label, rollout },
          }),
          200,
        );
        expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1, comment: 'looks fine' } }), 200);
        await waitRevision(a, 'rb', '2');
        report(a, 'rb', 0);
        await until('the rollout to fail', async () => (await detail(id)).runningRevision === 1, 25_000);
        const d = await detail(id);
        assert.match(d.message, new RegExp(`revision 2 failed: .*${a.name} \\(degraded.*returned to revision 1`));
        assert.equal(d.status, 'failed');
        await waitRevision(a, 'rb', '1');
        assert.match(deployment(latest(a), 'rb')?.spec.template.spec.containers[0].image, /:v1$/);
        assert.equal(revisionOn(b, 'rb'), '1', 'b never got revision 2');
        const revs = expectStatus(await api.get(`/v1/app/${id}/revision`, { token: t.member.token }), 200).data;
        assert.equal(revs[0].revision, 2);
        assert.equal(revs[0].status, 'failed');
        assert.match(revs[0].comment, new RegExp(`^looks fine; rollout failed and was rolled back: .*${a.name}`));
        assert.equal(revs[1].status, 'approved');
        const listed = expectStatus(await api.get(`/v1/app?status=failed&appName=rb`, { token: t.member.token }), 200);
        assert.deepEqual(
          listed.data.map((r: Obj) => r.id),
          [id],
        );
        // A failed revision is not approved: it cannot be rolled back to.
        expectStatus(await api.put(`/v1/app/${id}/rollback`, { token: t.member.token, body: { revision: 2 } }), 409);
        // The rollback reaches c when it returns: revision 1, never 2.
        c.agent = await connect(c.token, c.name);
        await waitRevision(c, 'rb', '1');
        assert.ok(c.agent.desired.every((m) => deployment(m, 'rb')?.metadata.labels['app.ote-stack.io/revision'] !== '2'));
      });

      it(
        'two hub replicas race to roll back a failed batch: it happens once',
        { skip: db === 'postgres' ? false : 'replicas share PostgreSQL' },
        async () => {
          const replica = await startHub('postgres', { OTE_REGISTRY_DOMAIN: 'registry.test' }, apps.hub.database);
          try {
            const label = uniqueName('rp').toLowerCase();
            const [a] = await clusters(1, label);
            const rollout = { batchSize: 1, progressDeadlineSeconds: 10, onFailure: 'rollback' };
            const id = await createApp({ appName: 'rp', image: 'proj/web', tag: 'v1', clusterLabel: label, rollout });
            await approve(id);
            await waitRevision(a, 'rp', '1');
            report(a, 'rp', 1);
            await waitState(id, a, 'available');
            expectStatus(
              await api.put(`/v1/app/${id}`, {
                token: t.member.token,
                body: { image: 'proj/web', tag: 'v2', clusterLabel: label, rollout },
              }),
              200,
            );
            await approve(id);
            await waitRevision(a, 'rp', '2');
            report(a, 'rp', 0);
            // Past the deadline, every replica's step runs at once (their timers run too).
            await new Promise((r) => setTimeout(r, 10_500));
            const steps = [apps.hub, replica, apps.hub, replica].map((h) => h.hub.services.apps.rollouts.check());
            await Promise.all(steps);
            await until('the rollback', async () => (await detail(id)).runningRevision === 1, 10_000);
            await new Promise((r) => setTimeout(r, 1500));
            const revs = expectStatus(await api.get(`/v1/app/${id}/revision`, { token: t.member.token }), 200).data;
            assert.equal(revs[0].status, 'failed');
            assert.equal(revs[0].comment.match(/rolled back/g)?.length, 1, revs[0].comment);
            const d = await detail(id);
            assert.equal(d.message.match(/failed/g)?.length, 1, d.message);
            await waitRevision(a, 'rp', '1');
          } finally {
            await replica.stop();
          }
        },
      );

      it('offline clusters neither block nor fail a rollout, are counted, and get the revision on return; the canary goes first', async () => {
        const label = uniqueName('of').toLowerCase();
        const canary = uniqueName('cn').toLowerCase();
        const list = await clusters(3, label);
        const [a, b, c] = list;
        // The canary is the last by name: without it, it would be the last batch.
        expectStatus(
          await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel: canary, clusterName: [c.name] } }),
          200,
        );
        const rollout = { batchSize: 1, progressDeadlineSeconds: 10, onFailure: 'rollback', canary: { clusterLabel: canary } };
        b.agent.close();
        const id = await createApp({ appName: 'of', image: 'proj/web', clusterLabel: label, rollout });
        await until('b to be not ready', async () => !(await clusterRow(b)).isReady);
        await approve(id);
        await waitRevision(c, 'of', '1');
        await new Promise((r) => setTimeout(r, 400));
        assert.equal(revisionOn(a, 'of'), undefined, 'the canary batch first');
        report(c, 'of', 1);
        await waitRevision(a, 'of', '1');
        report(a, 'of', 1);
        await until('the rollout to complete without b', async () => {
          const d = await detail(id);
          return d.readyClusters === 2 && d.offlineClusters === 1;
        });
        const d = await detail(id);
        assert.equal(d.status, 'approved');
        assert.equal(d.message, '');
        const sb = d.clusters.find((x: Obj) => x.clusterName === b.name);
        assert.equal(sb.state, 'offline');
        assert.match(sb.message, /gets revision 1 when it returns/);
        const row = expectStatus(await api.get(`/v1/app?appName=of`, { token: t.member.token }), 200).data[0];
        assert.deepEqual([row.readyClusters, row.offlineClusters, row.targetClusters], [2, 1, 3]);
        // b returns: it gets revision 1 and, once it reports, it is available.
        b.agent = await connect(b.token, b.name);
        await waitRevision(b, 'of', '1');
        report(b, 'of', 1);
        await waitState(id, b, 'available');
        assert.equal((await detail(id)).offlineClusters, 0);
      });
    });
  });
}
