import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { type Tenant, type TenantUser, approvedUser, createBusiness, makeTenant, uniqueName } from '../helpers/tenants.js';

const REGISTRY = 'registry.test:5000';
const URL_HOST = '127.0.0.1:9';

/** A minimal valid spec; `over` replaces fields. */
function spec(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { appName: uniqueName('app').toLowerCase(), image: 'proj/web', tag: 'v1', ...over };
}

for (const db of DATABASES) {
  describe(`application management [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let a: Tenant;
    let b: Tenant;
    let loner: TenantUser;

    before(async () => {
      hub = await startHub(db, { OTE_REGISTRY_DOMAIN: REGISTRY });
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      a = await makeTenant(api, admin);
      b = await makeTenant(api, admin);
      loner = await approvedUser(api, admin);
    });
    after(() => hub?.close());

    const setting = async (body: Record<string, boolean>) =>
      expectStatus(await api.put('/v1/admin/setting', { token: admin, body }), 200, 'settings');
    const create = async (token: string, body: Record<string, unknown>) =>
      expectStatus(await api.post('/v1/app', { token, body }), 200, 'create app').data.id as number;
    const detail = async (token: string, id: number) =>
      expectStatus(await api.get(`/v1/app/${id}`, { token }), 200, `get app ${id}`).data;
    const audit = async (id: number, status: 1 | 2, comment = '') =>
      expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status, comment } }), 200, 'audit');

    it('creates a pending revision 1 with the spec defaults filled in', async () => {
      const name = uniqueName('Web');
      const id = await create(a.member.token, { appName: name, image: 'proj/web' });
      const d = await detail(a.member.token, id);
      assert.equal(d.appName, name);
      assert.equal(d.businessId, a.businessId);
      assert.equal(d.status, 'pending');
      assert.equal(d.revision, 1);
      assert.equal(d.runningRevision, null);
      assert.equal(d.pendingRevision, 1);
      assert.equal(d.tag, 'latest');
      assert.equal(d.replicas, 1);
      assert.equal(d.clusterLabel, 'all');
      assert.equal(d.nodeLabel, null);
      assert.equal(d.spec.kind, 'Deployment');
      assert.deepEqual(d.spec.ports, []);
      assert.deepEqual(d.spec.env, {});
      assert.deepEqual(d.clusters, [], 'nothing is placed before approval');
      assert.equal(d.targetClusters, 0);
      assert.ok(Number.isInteger(d.createTime) && d.createTime > 1_700_000_000);
    });

    it('keeps the approved revision running while a newer one is pending, and after a rejection', async () => {
      const id = await create(a.admin.token, spec({ replicas: 2 }));
      await audit(id, 1, 'looks fine');
      let d = await detail(a.admin.token, id);
      assert.equal(d.status, 'approved');
      assert.equal(d.runningRevision, 1);
      assert.equal(d.pendingRevision, null);

      const put = expectStatus(
        await api.put(`/v1/app/${id}`, { token: a.member.token, body: { image: 'proj/web', tag: 'v2', replicas: 3 } }),
        200,
      );
      assert.equal(put.data.revision, 2);
      d = await detail(a.member.token, id);
      assert.equal(d.status, 'pending', 'the application status follows the new revision');
      assert.equal(d.revision, 2);
      assert.equal(d.runningRevision, 1, 'revision 1 keeps running');
      assert.equal(d.tag, 'v1', 'the running spec is shown');
      assert.equal(d.replicas, 2);

      await audit(id, 2, 'no: wrong tag');
      d = await detail(a.member.token, id);
      assert.equal(d.status, 'rejected');
      assert.equal(d.runningRevision, 1, 'a rejection keeps the running revision');
      assert.equal(d.tag, 'v1');
      expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1 } }), 409, 'nothing pending');

      expectStatus(await api.put(`/v1/app/${id}`, { token: a.member.token, body: { image: 'proj/web', tag: 'v3' } }), 200);
      await audit(id, 1);
      d = await detail(a.member.token, id);
      assert.equal(d.status, 'approved');
      assert.equal(d.runningRevision, 3);
      assert.equal(d.tag, 'v3');
      assert.equal(d.replicas, 1, 'an approved revision brings its own replicas');

      const revs = expectStatus(await api.get(`/v1/app/${id}/revision`, { token: a.member.token }), 200).data;
      assert.deepEqual(
        revs.map((r: { revision: number; status: string }) => [r.revision, r.status]),
        [
          [3, 'approved'],
          [2, 'rejected'],
          [1, 'approved'],
        ],
      );
      assert.equal(revs[1].comment, 'no: wrong tag');
      assert.equal(revs[2].spec.tag, 'v1');
      assert.equal(revs[2].spec.replicas, 2);

      // Rollback: only to an earlier approved revision.
      expectStatus(await api.put(`/v1/app/${id}/rollback`, { token: a.member.token, body: { revision: 2 } }), 409, 'rejected');
      expectStatus(await api.put(`/v1/app/${id}/rollback`, { token: a.member.token, body: { revision: 3 } }), 409, 'running');
      const missing = expectStatus(
        await api.put(`/v1/app/${id}/rollback`, { token: a.member.token, body: { revision: 9 } }),
        422,
        'no such revision',
      );
      assert.match(missing.message, /revision/);
      expectStatus(await api.put(`/v1/app/${id}/rollback`, { token: a.member.token, body: { revision: 1 } }), 200);
      d = await detail(a.member.token, id);
      assert.equal(d.runningRevision, 1);
      assert.equal(d.tag, 'v1');
      assert.equal(d.replicas, 2);
      assert.equal(d.revision, 3, 'a rollback makes no new revision');
    });

    it('supersedes a pending revision with a newer one', async () => {
      const id = await create(a.member.token, spec());
      expectStatus(await api.put(`/v1/app/${id}`, { token: a.member.token, body: { image: 'proj/web', tag: 'v2' } }), 200);
      const revs = expectStatus(await api.get(`/v1/app/${id}/revision`, { token: a.member.token }), 200).data;
      assert.equal(revs[0].status, 'pending');
      assert.equal(revs[1].status, 'rejected');
      assert.match(revs[1].comment, /superseded by revision 2/);
      await audit(id, 1);
      assert.equal((await detail(a.member.token, id)).runningRevision, 2);
    });

    it('auto-approves revisions of roles 3 and 4 only while enableAdminAutoDeploy is on', async () => {
      await setting({ enableAdminAutoDeploy: true });
      try {
        const byAdmin = await create(a.admin.token, spec());
        assert.equal((await detail(a.admin.token, byAdmin)).status, 'approved');
        assert.equal((await detail(a.admin.token, byAdmin)).runningRevision, 1);
        const bySystem = await create(admin, spec({ businessId: b.businessId }));
        const d = await detail(admin, bySystem);
        assert.equal(d.status, 'approved');
        assert.equal(d.businessId, b.businessId);
        const byMember = await create(a.member.token, spec());
        assert.equal((await detail(a.member.token, byMember)).status, 'pending', 'role 2 still needs an audit');
        expectStatus(await api.put(`/v1/app/${byAdmin}`, { token: a.member.token, body: { image: 'proj/x' } }), 200);
        assert.equal((await detail(a.member.token, byAdmin)).status, 'pending');
        expectStatus(await api.put(`/v1/app/${byAdmin}`, { token: a.admin.token, body: { image: 'proj/y' } }), 200);
        const after = await detail(a.member.token, byAdmin);
        assert.equal(after.status, 'approved');
        assert.equal(after.runningRevision, 3);
      } finally {
        await setting({ enableAdminAutoDeploy: false });
      }
      const id = await create(a.admin.token, spec());
      assert.equal((await detail(a.admin.token, id)).status, 'pending', 'off again: pending');
    });

    it('asks the system administrator for an approved businessId, and nobody else', async () => {
      let res = expectStatus(await api.post('/v1/app', { token: admin, body: spec() }), 422);
      assert.match(res.message, /businessId/);
      const owner = await approvedUser(api, admin, { isAdmin: true });
      const pendingBiz = await createBusiness(api, owner.token);
      res = expectStatus(await api.post('/v1/app', { token: admin, body: spec({ businessId: pendingBiz }) }), 422);
      assert.match(res.message, /businessId/);
      res = expectStatus(await api.post('/v1/app', { token: a.admin.token, body: spec({ businessId: a.businessId }) }), 422);
      assert.match(res.message, /businessId/);
    });

    it('enforces the roles of every endpoint', async () => {
      const id = await create(a.member.token, spec());
      for (const [method, path, body] of [
        ['POST', '/v1/app', spec()],
        ['GET', '/v1/app', undefined],
        ['GET', `/v1/app/${id}`, undefined],
        ['PUT', `/v1/app/${id}`, { image: 'proj/web' }],
        ['PUT', `/v1/app/${id}/replicas`, { replicas: 2 }],
        ['GET', `/v1/app/${id}/revision`, undefined],
        ['PUT', `/v1/app/${id}/rollback`, { revision: 1 }],
        ['DELETE', `/v1/app/${id}`, undefined],
        ['PUT', `/v1/app/${id}/audit`, { status: 1 }],
      ] as const) {
        expectStatus(await api.call(method, path, { token: loner.token, body }), 403, `role 1 ${method} ${path}`);
        expectStatus(await api.call(method, path, { body }), 401, `anonymous ${method} ${path}`);
      }
      for (const token of [a.member.token, a.admin.token]) {
        expectStatus(await api.put(`/v1/app/${id}/audit`, { token, body: { status: 1 } }), 403, 'only role 4 audits');
      }
      assert.equal((await detail(a.member.token, id)).status, 'pending');
    });

    it("isolates tenants on every endpoint: another business's application is 404", async () => {
      const id = await create(a.member.token, spec({ replicas: 2 }));
      await audit(id, 1);
      for (const token of [b.member.token, b.admin.token]) {
        for (const [method, path, body] of [
          ['GET', `/v1/app/${id}`, undefined],
          ['PUT', `/v1/app/${id}`, { image: 'proj/evil' }],
          ['PUT', `/v1/app/${id}/replicas`, { replicas: 9 }],
          ['GET', `/v1/app/${id}/revision`, undefined],
          ['PUT', `/v1/app/${id}/rollback`, { revision: 1 }],
          ['DELETE', `/v1/app/${id}`, undefined],
        ] as const) {
          const res = expectStatus(await api.call(method, path, { token, body }), 404, `${method} ${path} across tenants`);
          assert.equal(res.message, `application ${id} not found`, 'the same answer as a missing id');
        }
        const list = expectStatus(await api.get('/v1/app?pageSize=0', { token }), 200);
        assert.ok(!list.data.some((r: { id: number }) => r.id === id), 'not listed for another business');
        assert.ok(list.data.every((r: { businessId: number }) => r.businessId === b.businessId));
      }
      const d = await detail(a.member.token, id);
      assert.equal(d.replicas, 2, 'nothing changed');
      assert.equal(d.revision, 1);
      const all = expectStatus(await api.get('/v1/app?pageSize=0', { token: admin }), 200);
      assert.ok(
        all.data.some((r: { id: number }) => r.id === id),
        'the system administrator sees every business',
      );
      expectStatus(await api.get('/v1/app/999999', { token: a.member.token }), 404);
      expectStatus(await api.get('/v1/app/abc', { token: a.member.token }), 422);
      expectStatus(await api.get('/v1/app/1.5', { token: a.member.token }), 422);
    });

    it('keeps names unique per business, case-insensitively', async () => {
      const name = uniqueName('Dup');
      await create(a.member.token, spec({ appName: name }));
      const res = expectStatus(
        await api.post('/v1/app', { token: a.admin.token, body: spec({ appName: name.toLowerCase() }) }),
        409,
      );
      assert.match(res.message, /appName/);
      await create(b.member.token, spec({ appName: name }));
    });

    it('scales without an audit, also the revision awaiting approval', async () => {
      const id = await create(a.member.token, spec({ replicas: 1 }));
      await audit(id, 1);
      expectStatus(await api.put(`/v1/app/${id}/replicas`, { token: a.member.token, body: { replicas: 4 } }), 200);
      let d = await detail(a.member.token, id);
      assert.equal(d.replicas, 4);
      assert.equal(d.status, 'approved');
      assert.equal(d.revision, 1, 'no new revision');
      expectStatus(
        await api.put(`/v1/app/${id}`, { token: a.member.token, body: { image: 'proj/web', tag: 'v9', replicas: 1 } }),
        200,
      );
      expectStatus(await api.put(`/v1/app/${id}/replicas`, { token: a.member.token, body: { replicas: 6 } }), 200);
      await audit(id, 1);
      d = await detail(a.member.token, id);
      assert.equal(d.runningRevision, 2);
      assert.equal(d.replicas, 6, 'approving the pending revision does not undo the scale');
      for (const replicas of [-1, 101, 1.5, '3']) {
        const res = expectStatus(await api.put(`/v1/app/${id}/replicas`, { token: a.member.token, body: { replicas } }), 422);
        assert.match(res.message, /replicas/);
      }
      for (const replicas of [0, 100]) {
        expectStatus(await api.put(`/v1/app/${id}/replicas`, { token: a.member.token, body: { replicas } }), 200);
      }
      const ds = await create(a.member.token, spec({ kind: 'DaemonSet' }));
      expectStatus(await api.put(`/v1/app/${ds}/replicas`, { token: a.member.token, body: { replicas: 2 } }), 409);
    });

    it('numbers concurrent updates one after the other and lets one of two concurrent audits win', async () => {
      const id = await create(a.member.token, spec());
      await audit(id, 1);
      const puts = await Promise.all(
        [2, 3, 4, 5, 6, 7].map((n) =>
          api.put(`/v1/app/${id}`, { token: a.member.token, body: { image: 'proj/web', tag: `v${n}` } }),
        ),
      );
      for (const r of puts) expectStatus(r, 200, 'a concurrent update');
      assert.deepEqual(
        puts.map((r) => r.body.data.revision).sort((x, y) => x - y),
        [2, 3, 4, 5, 6, 7],
      );
      const revs = expectStatus(await api.get(`/v1/app/${id}/revision`, { token: a.member.token }), 200).data;
      assert.deepEqual(
        revs.map((r: { status: string }) => r.status),
        ['pending', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'approved'],
      );
      const audits = await Promise.all([1, 2].map(() => api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1 } })));
      assert.deepEqual(audits.map((r) => r.status).sort(), [200, 409], 'one audit decides, the other finds nothing pending');
      assert.equal((await detail(a.member.token, id)).runningRevision, 7);
    });

    it('deletes an application with its revisions', async () => {
      const id = await create(a.member.token, spec());
      await audit(id, 1);
      expectStatus(await api.delete(`/v1/app/${id}`, { token: a.member.token }), 200);
      expectStatus(await api.get(`/v1/app/${id}`, { token: a.member.token }), 404);
      expectStatus(await api.get(`/v1/app/${id}/revision`, { token: admin }), 404);
      expectStatus(await api.delete(`/v1/app/${id}`, { token: admin }), 404);
    });

    it("takes a deleted business's applications with it", async () => {
      const t = await makeTenant(api, admin);
      const running = await create(t.member.token, spec());
      await audit(running, 1);
      const pending = await create(t.member.token, spec());
      const kept = await create(a.member.token, spec());
      expectStatus(await api.delete(`/v1/business/id/${t.businessId}`, { token: admin }), 200, 'delete the business');
      for (const id of [running, pending]) {
        expectStatus(await api.get(`/v1/app/${id}`, { token: admin }), 404, `application ${id} of the deleted business`);
      }
      const all = expectStatus(await api.get('/v1/app?pageSize=0', { token: admin }), 200).data;
      assert.ok(!all.some((r: { businessId: number }) => r.businessId === t.businessId), 'none listed');
      assert.equal((await detail(a.member.token, kept)).businessId, a.businessId, 'other businesses keep theirs');
    });

    it('lists with filters, sorting and paging', async () => {
      const t = await makeTenant(api, admin);
      const ids: number[] = [];
      for (const n of ['zeta', 'Alpha', 'mid-one']) {
        ids.push(await create(t.member.token, spec({ appName: n, clusterLabel: n === 'zeta' ? 'edge' : 'all' })));
      }
      await audit(ids[0], 1);
      let res = expectStatus(await api.get('/v1/app?orderBy=appName&order=asc', { token: t.member.token }), 200);
      assert.deepEqual(
        res.data.map((r: { appName: string }) => r.appName),
        ['Alpha', 'mid-one', 'zeta'],
      );
      assert.equal(res.total, 3);
      res = expectStatus(await api.get('/v1/app?orderBy=id&order=desc&pageSize=2&page=2', { token: t.member.token }), 200);
      assert.deepEqual(
        res.data.map((r: { id: number }) => r.id),
        [ids[0]],
      );
      assert.equal(res.total, 3);
      res = expectStatus(await api.get('/v1/app?appName=ALP', { token: t.member.token }), 200);
      assert.deepEqual(
        res.data.map((r: { id: number }) => r.id),
        [ids[1]],
      );
      res = expectStatus(await api.get('/v1/app?status=approved', { token: t.member.token }), 200);
      assert.deepEqual(
        res.data.map((r: { id: number }) => r.id),
        [ids[0]],
      );
      res = expectStatus(await api.get('/v1/app?clusterLabel=edge', { token: t.member.token }), 200);
      assert.deepEqual(
        res.data.map((r: { id: number }) => r.id),
        [ids[0]],
      );
      const row = res.data[0];
      for (const k of [
        'id',
        'appName',
        'businessId',
        'image',
        'tag',
        'replicas',
        'clusterLabel',
        'nodeLabel',
        'status',
        'revision',
        'readyClusters',
        'targetClusters',
        'createTime',
        'updateTime',
      ]) {
        assert.ok(k in row, `row has ${k}`);
      }
      for (const q of ['orderBy=name', 'order=up', 'pageSize=1001', 'page=0', 'status=done']) {
        const bad = expectStatus(await api.get(`/v1/app?${q}`, { token: t.member.token }), 422, q);
        assert.match(bad.message, new RegExp(q.split('=')[0]));
      }
    });

    describe('spec validation', () => {
      const bad = async (over: Record<string, unknown>, field: string, token = a.member.token) => {
        const res = expectStatus(await api.post('/v1/app', { token, body: spec(over) }), 422, JSON.stringify(over));
        assert.ok(res.message.includes(field), `message "${res.message}" names ${field}`);
        assert.equal(typeof res.requestId, 'string');
      };
      const good = async (over: Record<string, unknown>) => create(a.member.token, spec(over));

      it('appName: cluster-name rules', async () => {
        await bad({ appName: '' }, 'appName');
        await bad({ appName: '-web' }, 'appName');
        await bad({ appName: 'web-' }, 'appName');
        await bad({ appName: 'we_b' }, 'appName');
        await bad({ appName: 'a'.repeat(64) }, 'appName');
        await good({ appName: `z${uniqueName('').toLowerCase()}`.padEnd(63, 'q') });
        await good({ appName: uniqueName('X') });
        const missing = expectStatus(await api.post('/v1/app', { token: a.member.token, body: { image: 'proj/web' } }), 422);
        assert.match(missing.message, /appName: is required/);
      });

      it('image and tag references', async () => {
        await bad({ image: 'nginx' }, 'image'); // neither project/repo nor a full reference
        await bad({ image: 'Proj/Web' }, 'image');
        await bad({ image: 'proj/web:v1' }, 'image'); // the tag is its own field
        await bad({ image: 'proj//web' }, 'image');
        await bad({ image: `proj/${'a'.repeat(260)}` }, 'image');
        await bad({ tag: '.v1' }, 'tag');
        await bad({ tag: 'a'.repeat(129) }, 'tag');
        await bad({ tag: 'v 1' }, 'tag');
        await good({ image: 'docker.io/library/nginx', tag: '1.27-alpine' });
        await good({ image: 'localhost/team/app' });
        await good({ image: 'my.registry:5000/a/b/c', tag: 'a'.repeat(128) });
        await good({ image: 'proj/web_x.y-z' });
      });

      it('replicas, resources and ports', async () => {
        await bad({ replicas: -1 }, 'replicas');
        await bad({ replicas: 101 }, 'replicas');
        await good({ replicas: 0 });
        await good({ replicas: 100 });
        await bad({ cpu: 0 }, 'cpu');
        await bad({ cpu: 0.0005 }, 'cpu');
        await bad({ cpu: '1' }, 'cpu');
        await good({ cpu: 0.25 });
        await bad({ memory: 1048575 }, 'memory');
        await bad({ memory: 2097152.5 }, 'memory');
        await good({ memory: 268435456 });
        await bad({ gpu: -1 }, 'gpu');
        await bad({ gpu: 65 }, 'gpu');
        await good({ gpu: 1 });
        await bad({ ports: [{ containerPort: 0 }] }, 'ports[0].containerPort');
        await bad({ ports: [{ containerPort: 65536 }] }, 'ports[0].containerPort');
        await bad({ ports: [{ containerPort: 80, protocol: 'HTTP' }] }, 'ports[0].protocol');
        await bad({ ports: [{ containerPort: 80, extra: 1 }] }, 'ports[0].extra');
        await bad({ ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP' }] }, 'ports[1]');
        const id = await good({ ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'UDP' }] });
        const d = await detail(a.member.token, id);
        assert.deepEqual(d.spec.ports, [
          { containerPort: 80, protocol: 'TCP' },
          { containerPort: 80, protocol: 'UDP' },
        ]);
      });

      it('env, command, args, labels, kind and rolling update', async () => {
        await bad({ env: { '1BAD': 'x' } }, 'env');
        await bad({ env: { GOOD: 1 } }, 'env');
        await bad({ command: 'sh -c' }, 'command');
        await bad({ args: [1] }, 'args');
        await bad({ clusterLabel: '-x' }, 'clusterLabel');
        await bad({ nodeLabel: 'a b' }, 'nodeLabel');
        await bad({ kind: 'StatefulSet' }, 'kind');
        await bad({ maxSurge: '150%' }, 'maxSurge');
        await bad({ maxUnavailable: 101 }, 'maxUnavailable');
        await bad({ maxSurge: 0, maxUnavailable: '0%' }, 'maxUnavailable');
        // A DaemonSet drops (maxUnavailable, default 1) or surges (maxSurge, default 0) pods: one of the two.
        await bad({ kind: 'DaemonSet', maxUnavailable: 0 }, 'maxUnavailable');
        await bad({ kind: 'DaemonSet', maxSurge: 1 }, 'maxSurge');
        await bad({ kind: 'DaemonSet', maxSurge: '25%', maxUnavailable: 1 }, 'maxSurge');
        await good({ kind: 'DaemonSet', maxSurge: 1, maxUnavailable: 0 });
        await good({ maxSurge: 1, maxUnavailable: 1 });
        const id = await good({
          env: { MODE: 'edge', 'a.b-c': '' },
          command: ['/bin/app'],
          args: ['--port', '8080'],
          clusterLabel: 'gpu-a100',
          nodeLabel: 'camera.1',
          kind: 'DaemonSet',
          maxSurge: 0,
          maxUnavailable: '25%',
        });
        const d = await detail(a.member.token, id);
        assert.deepEqual(d.spec.env, { MODE: 'edge', 'a.b-c': '' });
        assert.equal(d.spec.maxUnavailable, '25%');
        assert.equal(d.nodeLabel, 'camera.1');
        assert.equal(d.clusterLabel, 'gpu-a100');
      });

      it('hostPath volumes', async () => {
        await bad({ volumes: [{ name: 'cam', hostPath: 'dev/video0', mountPath: '/dev/video0' }] }, 'volumes[0].hostPath');
        await bad({ volumes: [{ name: 'cam', hostPath: '/dev/../etc', mountPath: '/x' }] }, 'volumes[0].hostPath');
        await bad({ volumes: [{ name: 'Cam', hostPath: '/dev/video0', mountPath: '/x' }] }, 'volumes[0].name');
        await bad({ volumes: [{ name: 'cam', hostPath: '/dev/video0' }] }, 'volumes[0].mountPath');
        await bad(
          {
            volumes: [
              { name: 'a', hostPath: '/a', mountPath: '/m' },
              { name: 'a', hostPath: '/b', mountPath: '/n' },
            ],
          },
          'volumes[1].name',
        );
        await bad({ volumes: [{ name: 'cam', hostPath: '/dev//video0', mountPath: '/x' }] }, 'volumes[0].hostPath');
        await bad({ volumes: [{ name: 'cam', hostPath: '/dev\\video0', mountPath: '/x' }] }, 'volumes[0].hostPath');
        // A near-miss path is refused at once: a backtracking pattern once took seconds per extra character here.
        const started = Date.now();
        await bad(
          { volumes: [{ name: 'cam', hostPath: `/${'a'.repeat(32)}\\`, mountPath: `/${'b'.repeat(32)}\\` }] },
          'volumes[0].mountPath',
        );
        assert.ok(Date.now() - started < 2000, `a near-miss path took ${Date.now() - started} ms`);
        await good({ volumes: [{ name: 'root', hostPath: '/', mountPath: '/host/' }] });
        const id = await good({ volumes: [{ name: 'cam', hostPath: '/dev/video0', mountPath: '/dev/video0' }] });
        const d = await detail(a.member.token, id);
        assert.deepEqual(d.spec.volumes, [{ name: 'cam', hostPath: '/dev/video0', mountPath: '/dev/video0', readOnly: false }]);
      });

      it('ingress only while enableIngress is on, on a TCP port of the application', async () => {
        const ingress = { host: 'web.example.com', path: '/', port: 80 };
        await bad({ ports: [{ containerPort: 80 }], ingress }, 'ingress');
        await setting({ enableIngress: true });
        try {
          await bad({ ports: [{ containerPort: 8080 }], ingress }, 'ingress.port');
          await bad({ ports: [{ containerPort: 80 }], ingress: { ...ingress, host: 'Bad Host' } }, 'ingress.host');
          await bad({ ports: [{ containerPort: 80 }], ingress: { ...ingress, path: 'x' } }, 'ingress.path');
          const id = await good({ ports: [{ containerPort: 80 }], ingress: { host: 'web.example.com', port: 80 } });
          assert.deepEqual((await detail(a.member.token, id)).spec.ingress, { host: 'web.example.com', path: '/', port: 80 });
        } finally {
          await setting({ enableIngress: false });
        }
      });

      it('rollout settings with the 600 s default deadline', async () => {
        await bad({ rollout: { batchSize: 0 } }, 'rollout.batchSize');
        await bad({ rollout: { progressDeadlineSeconds: 5 } }, 'rollout.progressDeadlineSeconds');
        await bad({ rollout: { pauseOnFailure: 'yes' } }, 'rollout.pauseOnFailure');
        await bad({ rollout: { other: 1 } }, 'rollout.other');
        const id = await good({ rollout: { batchSize: 2 } });
        assert.deepEqual((await detail(a.member.token, id)).spec.rollout, {
          batchSize: 2,
          onFailure: 'pause',
          progressDeadlineSeconds: 600,
        });
      });

      it('repositoryId must be an external repository of the business', async () => {
        await bad({ repositoryId: 'nope' }, 'repositoryId');
        await bad({ repositoryId: 'UPPER' }, 'repositoryId');
        const third = {
          repositoryId: uniqueName('ext').toLowerCase(),
          address: 'harbor.example.com',
          user: 'bot',
          password: 'S3cret-pass',
        };
        api.secrets.add(third.password);
        expectStatus(await api.post('/v1/repository/third', { token: a.admin.token, body: third }), 200, 'external repository');
        await good({ repositoryId: third.repositoryId });
        // Another business's repository does not count.
        await bad({ repositoryId: third.repositoryId }, 'repositoryId', b.member.token);
      });

      it('rejects unknown fields and keeps nothing of a refused request', async () => {
        await bad({ status: 'approved' }, 'status');
        await bad({ id: 5 }, 'id');
        const name = uniqueName('none').toLowerCase();
        await bad({ appName: name, replicas: 500 }, 'replicas');
        const list = expectStatus(await api.get(`/v1/app?appName=${name}`, { token: a.member.token }), 200);
        assert.equal(list.total, 0);
      });

      it('an update takes the whole spec, keeps the name and validates like a create', async () => {
        const id = await good({ replicas: 3, env: { A: '1' } });
        const name = (await detail(a.member.token, id)).appName;
        let res = expectStatus(
          await api.put(`/v1/app/${id}`, { token: a.member.token, body: { appName: 'other', image: 'proj/web' } }),
          422,
        );
        assert.match(res.message, /appName/);
        res = expectStatus(
          await api.put(`/v1/app/${id}`, { token: a.member.token, body: { image: 'proj/web', replicas: 101 } }),
          422,
        );
        assert.match(res.message, /replicas/);
        res = expectStatus(await api.put(`/v1/app/${id}`, { token: a.member.token, body: { tag: 'v2' } }), 422);
        assert.match(res.message, /image/);
        assert.equal((await detail(a.member.token, id)).revision, 1, 'no revision from refused updates');
        expectStatus(await api.put(`/v1/app/${id}`, { token: a.member.token, body: { appName: name, image: 'proj/web' } }), 200);
        const revs = expectStatus(await api.get(`/v1/app/${id}/revision`, { token: a.member.token }), 200).data;
        assert.equal(revs[0].spec.replicas, 1, 'omitted fields take their defaults: PUT is a full spec');
        assert.deepEqual(revs[0].spec.env, {});
        assert.equal(revs[0].spec.appName, name);
      });
    });
  });
}

for (const db of DATABASES) {
  describe(`application images of a managed platform registry [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let a: Tenant;
    let b: Tenant;
    before(async () => {
      // OTE_REGISTRY_URL makes the hub the registry's manager: it knows the projects. Nothing listens
      // there; creating projects and applications never calls the registry. Without OTE_REGISTRY_DOMAIN
      // the URL's host is the registry's domain (imageAddress, pull secrets, application images).
      hub = await startHub(db, { OTE_REGISTRY_URL: `http://${URL_HOST}` });
      api = new Api(hub.url);
      const admin = await api.login(ADMIN.user, ADMIN.password);
      a = await makeTenant(api, admin);
      b = await makeTenant(api, admin);
      for (const [t, projectName, isPublic] of [
        [a, 'apriv', false],
        [b, 'bpriv', false],
        [b, 'bpub', true],
      ] as const) {
        expectStatus(
          await api.post('/v1/repository/project', { token: t.admin.token, body: { projectName, public: isPublic } }),
          201,
        );
      }
    });
    after(() => hub?.close());

    it("takes images of the business's own projects and of public ones only", async () => {
      for (const image of ['apriv/web', 'bpub/tool', 'quay.io/any/thing', `${URL_HOST}/apriv/web`]) {
        expectStatus(await api.post('/v1/app', { token: a.member.token, body: spec({ image }) }), 200, image);
      }
      // The full reference on the platform's own domain (the imageAddress a listing shows) obeys the same rule.
      for (const image of ['bpriv/secret', 'nosuch/web', `${URL_HOST}/bpriv/secret`]) {
        const res = expectStatus(await api.post('/v1/app', { token: a.member.token, body: spec({ image }) }), 422, image);
        assert.match(res.message, /^image: no project "[a-z]+" this business can pull from/);
      }
      // The same rule for an update: another business's private project is refused.
      const id = expectStatus(await api.post('/v1/app', { token: b.member.token, body: spec({ image: 'bpriv/secret' }) }), 200)
        .data.id;
      expectStatus(await api.put(`/v1/app/${id}`, { token: b.member.token, body: { image: 'apriv/web' } }), 422);
    });
  });
}
