import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DesiredMessage } from '../../src/agent-link/protocol.js';
import { Api, expectStatus } from '../helpers/client.js';
import { FakeAgent, nodeReport } from '../helpers/fake-agent.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { type Tenant, approvedUser, makeTenant, uniqueName } from '../helpers/tenants.js';

const MiB = 2 ** 20;

for (const db of DATABASES) {
  describe(`nodes (API.md §6) [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let tenant: Tenant;
    let cluster: string;
    let agent: FakeAgent;
    const agents: FakeAgent[] = [];
    const prefix = uniqueName('n').toLowerCase();
    const name = (i: number) => `${prefix}-${String(i).padStart(2, '0')}`;

    async function registerAndConnect(clusterName: string, nodes: ReturnType<typeof nodeReport>[]): Promise<FakeAgent> {
      const token = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName } }), 200).data.token;
      const a = await FakeAgent.connect(hub.url, token, { nodes });
      agents.push(a);
      await a.waitForDesired(() => true);
      return a;
    }
    const nodes = (query: string, token = admin) => api.get(`/v1/node${query}`, { token });

    before(async () => {
      hub = await startHub(db);
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      tenant = await makeTenant(api, admin);
      cluster = uniqueName('nc');
      const reports = [
        nodeReport(name(0), {
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          kernelVersion: '6.1.0-18-amd64',
          internalIP: '192.168.7.10',
          cpu: 7.5,
          memory: 32 * 2 ** 30,
          disk: 512 * 2 ** 30,
          gpuCount: 2,
          gpuMemoryMiB: 40960,
        }),
        nodeReport(name(1), { ready: false }),
        // GPUs without the memory label: the memory is unknown, so 0.
        nodeReport(name(2), { gpuCount: 1, gpuMemoryMiB: null }),
      ];
      for (let i = 3; i < 12; i++) reports.push(nodeReport(name(i)));
      agent = await registerAndConnect(cluster, reports);
    });
    after(async () => {
      for (const a of agents) a.close();
      await hub?.close();
    });

    it('shows the reported nodes with the right values, gpu arithmetic and readiness', async () => {
      const body = expectStatus(await nodes(`?clusterName=${cluster}&pageSize=0`, tenant.member.token), 200);
      assert.equal(body.total, 12);
      assert.equal(body.meta.readyNodeCount, 11, 'the one not-ready node is not counted');
      const gpu = body.data.find((n: { nodeName: string }) => n.nodeName === name(0));
      assert.deepEqual(gpu, {
        nodeName: name(0),
        clusterName: cluster,
        operatingSystem: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.1.0-18-amd64',
        ip: '192.168.7.10',
        memory: 32 * 2 ** 30,
        cpu: 7.5,
        gpu: 2 * 40960 * MiB,
        disk: 512 * 2 ** 30,
        isReady: true,
        labels: [],
      });
      assert.equal(body.data.find((n: { nodeName: string }) => n.nodeName === name(1)).isReady, false);
      assert.equal(body.data.find((n: { nodeName: string }) => n.nodeName === name(2)).gpu, 0);
      assert.equal(body.data.find((n: { nodeName: string }) => n.nodeName === name(3)).gpu, 0);
      const row = expectStatus(await api.get('/v1/cluster', { token: admin }), 200).data.find(
        (c: { clusterName: string }) => c.clusterName === cluster,
      );
      assert.equal(row.nodeCount, 12, 'nodeCount counts every node, the not-ready one too');
    });

    it('pages (default 10), sorts by cluster and node name, filters by name substring and cluster', async () => {
      const first = expectStatus(await nodes(`?clusterName=${cluster}`), 200);
      assert.equal(first.data.length, 10);
      assert.equal(first.total, 12);
      assert.deepEqual(
        first.data.map((n: { nodeName: string }) => n.nodeName),
        Array.from({ length: 10 }, (_, i) => name(i)),
      );
      const second = expectStatus(await nodes(`?clusterName=${cluster}&page=2`), 200);
      assert.deepEqual(
        second.data.map((n: { nodeName: string }) => n.nodeName),
        [name(10), name(11)],
      );
      assert.equal(second.meta.readyNodeCount, 11, 'the count covers the filter, not the page');
      const sub = expectStatus(await nodes(`?nodeName=${prefix.toUpperCase()}-1`), 200);
      assert.deepEqual(
        sub.data.map((n: { nodeName: string }) => n.nodeName),
        [name(10), name(11)],
      );
      assert.equal(sub.meta.readyNodeCount, 2);
      const none = expectStatus(await nodes('?clusterName=no-such-cluster'), 200);
      assert.equal(none.total, 0);
      assert.equal(none.meta.readyNodeCount, 0);
      const pct = expectStatus(await nodes('?nodeName=%25'), 200);
      assert.equal(pct.total, 0, 'a % in the filter is a character, not a wildcard');
      expectStatus(await nodes('?pageSize=1001'), 422);
      expectStatus(await nodes('?clusterName=bad_name'), 422);
    });

    it('projects fields; unknown field names are a 422 naming them', async () => {
      const body = expectStatus(await nodes(`?clusterName=${cluster}&field=nodeName,isReady,gpu&pageSize=1`), 200);
      assert.deepEqual(body.data, [{ nodeName: name(0), isReady: true, gpu: 2 * 40960 * MiB }]);
      const bad = await nodes('?field=nodeName,password,rootPassword');
      const msg = expectStatus(bad, 422).message;
      assert.match(msg, /^field: /);
      assert.match(msg, /password/);
      assert.match(msg, /rootPassword/);
      // Blanks, repeats and empty items: the names that are there, once; no names at all: every field.
      const spaced = expectStatus(
        await nodes(`?clusterName=${cluster}&pageSize=1&field=${encodeURIComponent(' ip , nodeName,,ip ')}`),
        200,
      );
      assert.deepEqual(spaced.data, [{ ip: '192.168.7.10', nodeName: name(0) }]);
      for (const field of ['', ',', ' , ,']) {
        const all = expectStatus(await nodes(`?clusterName=${cluster}&pageSize=1&field=${encodeURIComponent(field)}`), 200);
        assert.equal(Object.keys(all.data[0]).length, 11, `field=${JSON.stringify(field)} means every field`);
      }
      expectStatus(await nodes('?field=nodeName&field=ip'), 422, 'field given twice');
    });

    it('labels nodes all or nothing, pushes them as desired state, lists and filters by them', async () => {
      const label = `gpu-a100.${uniqueName('l').toLowerCase()}`;
      const before = agent.desired.at(-1) as DesiredMessage;
      const bad = await api.post('/v1/node/label', {
        token: admin,
        body: { nodeLabel: label, clusterName: cluster, nodeName: [name(0), 'ghost-a', 'ghost-b'] },
      });
      const msg = expectStatus(bad, 422).message;
      assert.match(msg, /^nodeName: /);
      assert.match(msg, /ghost-a/);
      assert.match(msg, /ghost-b/);
      const noCluster = await api.post('/v1/node/label', {
        token: admin,
        body: { nodeLabel: label, clusterName: 'ghost-cluster', nodeName: [name(0)] },
      });
      assert.match(expectStatus(noCluster, 422).message, /^clusterName: .*ghost-cluster/);
      assert.equal(expectStatus(await nodes(`?nodeLabel=${label}`), 200).total, 0, 'nothing applied');

      for (let i = 0; i < 2; i++) {
        expectStatus(
          await api.post('/v1/node/label', {
            token: admin,
            body: { nodeLabel: label, clusterName: cluster.toUpperCase(), nodeName: [name(0), name(1)] },
          }),
          200,
        );
      }
      const pushed = await agent.waitForDesired((m) => (m.state.nodeLabels[name(0)] ?? []).includes(label));
      assert.ok(pushed.generation > before.generation, 'a new generation after a label change');
      assert.deepEqual(pushed.state.nodeLabels[name(1)], [label]);
      assert.equal(pushed.state.nodeLabels[name(2)], undefined);
      const labelled = expectStatus(await nodes(`?nodeLabel=${label}`), 200);
      assert.deepEqual(
        labelled.data.map((n: { nodeName: string }) => n.nodeName),
        [name(0), name(1)],
      );
      assert.deepEqual(labelled.data[0].labels, [label]);
      assert.equal(labelled.meta.readyNodeCount, 1);
      const all = expectStatus(await api.get('/v1/node/label', { token: tenant.member.token }), 200).data as string[];
      assert.ok(all.includes(label));
      assert.deepEqual(all, [...all].sort());
      assert.deepEqual(expectStatus(await api.get(`/v1/node/label?clusterName=${cluster}`, { token: admin }), 200).data, [label]);
      expectStatus(await api.get('/v1/node/label?clusterName=ghost-cluster', { token: admin }), 404);

      // Removal: all or nothing, then the label leaves the desired state.
      expectStatus(
        await api.delete('/v1/node/label', {
          token: admin,
          body: { nodeLabel: label, clusterName: cluster, nodeName: [name(0), 'ghost'] },
        }),
        422,
      );
      assert.equal(expectStatus(await nodes(`?nodeLabel=${label}`), 200).total, 2);
      expectStatus(
        await api.delete('/v1/node/label', {
          token: admin,
          body: { nodeLabel: label, clusterName: cluster, nodeName: [name(0)] },
        }),
        200,
      );
      const after1 = await agent.waitForDesired((m) => m.generation > pushed.generation);
      assert.equal(after1.state.nodeLabels[name(0)], undefined);
      assert.deepEqual(after1.state.nodeLabels[name(1)], [label]);
      expectStatus(
        await api.delete('/v1/node/label', {
          token: admin,
          body: { nodeLabel: label, clusterName: cluster, nodeName: [name(1)], deleteDeploy: true },
        }),
        200,
      );
      await agent.waitForDesired((m) => m.generation > after1.generation && Object.keys(m.state.nodeLabels).length === 0);
      assert.equal(expectStatus(await nodes(`?nodeLabel=${label}`), 200).total, 0);
    });

    it('validates label bodies and allows only the system administrator to change labels', async () => {
      const ok = { nodeLabel: 'edge', clusterName: cluster, nodeName: [name(0)] };
      for (const body of [
        { ...ok, nodeLabel: 'bad_label' },
        { ...ok, nodeLabel: 'x'.repeat(64) },
        { ...ok, nodeName: [] },
        { ...ok, nodeName: 'one' },
        { ...ok, clusterName: undefined },
        { ...ok, role: 4 },
      ]) {
        expectStatus(await api.post('/v1/node/label', { token: admin, body }), 422, JSON.stringify(body));
      }
      expectStatus(await api.delete('/v1/node/label', { token: admin, body: { ...ok, deleteDeploy: 'yes' } }), 422);
      for (const token of [tenant.admin.token, tenant.member.token]) {
        expectStatus(await api.post('/v1/node/label', { token, body: ok }), 403);
        expectStatus(await api.delete('/v1/node/label', { token, body: ok }), 403);
      }
      const loner = await approvedUser(api, admin);
      expectStatus(await nodes('', loner.token), 403);
      expectStatus(await api.get('/v1/node/label', { token: loner.token }), 403);
      expectStatus(await nodes('', ''), 401);
    });

    it('takes a changed inventory from a heartbeat; labels survive a node leaving and coming back', async () => {
      const c = uniqueName('inv');
      const a = await registerAndConnect(c, [nodeReport('inv-a'), nodeReport('inv-b')]);
      expectStatus(
        await api.post('/v1/node/label', { token: admin, body: { nodeLabel: 'keep', clusterName: c, nodeName: ['inv-b'] } }),
        200,
      );
      a.report([nodeReport('inv-a', { kernelVersion: '6.8.0-1' })]);
      await until(async () => expectStatus(await nodes(`?clusterName=${c}`), 200).total === 1);
      const only = expectStatus(await nodes(`?clusterName=${c}`), 200).data[0];
      assert.equal(only.kernelVersion, '6.8.0-1');
      a.report([nodeReport('inv-a', { kernelVersion: '6.8.0-1' }), nodeReport('inv-b')]);
      await until(async () => expectStatus(await nodes(`?clusterName=${c}`), 200).total === 2);
      const b = expectStatus(await nodes(`?clusterName=${c}&nodeName=inv-b`), 200).data[0];
      assert.deepEqual(b.labels, ['keep']);
      const cl = expectStatus(await api.get('/v1/cluster', { token: admin }), 200).data.find(
        (x: { clusterName: string }) => x.clusterName === c,
      );
      assert.equal(cl.nodeCount, 2);
      // A report the same as an earlier one (not the last) is taken in again; the same frame twice in a row, once.
      const one = [nodeReport('inv-a', { kernelVersion: '6.8.0-1' })];
      a.report(one);
      await until(async () => expectStatus(await nodes(`?clusterName=${c}`), 200).total === 1);
      a.report(one);
      a.report([...one, nodeReport('inv-b')]);
      await until(async () => expectStatus(await nodes(`?clusterName=${c}`), 200).total === 2);
    });

    it('a label of a node that left can still be deleted (not added); the node comes back without it', async () => {
      const c = uniqueName('gone');
      const a = await registerAndConnect(c, [nodeReport('gone-a'), nodeReport('gone-b')]);
      const label = (nodeLabel: string, nodeName: string[]) => ({ token: admin, body: { nodeLabel, clusterName: c, nodeName } });
      expectStatus(await api.post('/v1/node/label', label('stuck', ['gone-a', 'gone-b'])), 200);
      a.report([nodeReport('gone-a')]);
      await until(async () => expectStatus(await nodes(`?clusterName=${c}`), 200).total === 1);
      assert.match(
        expectStatus(await api.post('/v1/node/label', label('other', ['gone-b'])), 422).message,
        /^nodeName: .*gone-b/,
      );
      assert.match(expectStatus(await api.delete('/v1/node/label', label('other', ['gone-b'])), 422).message, /gone-b/);
      const before = a.desired.at(-1) as DesiredMessage;
      assert.deepEqual(before.state.nodeLabels['gone-b'], ['stuck']);
      expectStatus(await api.delete('/v1/node/label', label('stuck', ['gone-b'])), 200);
      const after = await a.waitForDesired((m) => m.generation > before.generation);
      assert.equal(after.state.nodeLabels['gone-b'], undefined);
      assert.deepEqual(after.state.nodeLabels['gone-a'], ['stuck']);
      a.report([nodeReport('gone-a'), nodeReport('gone-b')]);
      await until(async () => expectStatus(await nodes(`?clusterName=${c}`), 200).total === 2);
      assert.deepEqual(expectStatus(await nodes(`?clusterName=${c}&nodeName=gone-b`), 200).data[0].labels, []);
    });

    it("a label set while the cluster's agent is offline reaches the agent when it returns", async () => {
      const c = uniqueName('off');
      const token = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: c } }), 200).data.token;
      const first = await FakeAgent.connect(hub.url, token, { nodes: [nodeReport('off-1')] });
      agents.push(first);
      await first.waitForDesired(() => true);
      first.close();
      await until(
        async () =>
          expectStatus(await api.get('/v1/cluster', { token: admin }), 200).data.find(
            (x: { clusterName: string }) => x.clusterName === c,
          ).isReady === false,
      );
      expectStatus(
        await api.post('/v1/node/label', { token: admin, body: { nodeLabel: 'late', clusterName: c, nodeName: ['off-1'] } }),
        200,
      );
      expectStatus(await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel: 'late', clusterName: [c] } }), 200);
      const back = await FakeAgent.connect(hub.url, token, { nodes: [nodeReport('off-1')] });
      agents.push(back);
      const d = await back.waitForDesired(() => true);
      assert.deepEqual(d.state.nodeLabels, { 'off-1': ['late'] }, 'the first desired state after the return carries it');
    });
  });
}

async function until(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
