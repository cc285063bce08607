import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppClusters } from '../helpers/app-clusters.js';
import { type Api, expectStatus } from '../helpers/client.js';
import { until } from '../helpers/fake-agent.js';
import { DATABASES } from '../helpers/hub.js';
import { type Tenant, uniqueName } from '../helpers/tenants.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- workload objects and response bodies are open-ended JSON
type Obj = Record<string, any>;

for (const db of DATABASES) {
  describe(`application status, batched rollouts, paused clusters, node labels [${db}]`, () => {
    // Two nodes a cluster; a Deployment short of replicas says why, as the agent reports it.
    const apps = new AppClusters(db, {
      nodesPerCluster: 2,
      unavailableMessage: 'Deployment does not have minimum availability.',
    });
    let api: Api;
    let admin: string;
    let t: Tenant;

    before(async () => {
      await apps.start();
      ({ api, admin, tenant: t } = apps);
    });
    after(() => apps.stop());

    const { clusters, latest, deployment, revisionOn, waitRevision, report, detail, stateOf, waitState, approve, createApp } =
      apps;

    it("reports per-cluster state from the agents' workload status", async () => {
      const label = uniqueName('st').toLowerCase();
      const [a, b] = await clusters(2, label);
      const id = await createApp({ appName: 'status', image: 'proj/s', replicas: 2, clusterLabel: label });
      await approve(id);
      await waitRevision(a, 'status', '1');
      await waitRevision(b, 'status', '1');
      let d = await detail(id);
      assert.equal(d.targetClusters, 2);
      assert.equal(d.readyClusters, 0);
      assert.deepEqual(
        d.clusters.map((x: Obj) => x.state),
        ['pending', 'pending'],
      );

      report(a, 'status', 2);
      report(b, 'status', 1);
      await waitState(id, a, 'available');
      await waitState(id, b, 'progressing');
      d = await detail(id);
      assert.equal(d.readyClusters, 1);
      const sa = d.clusters.find((x: Obj) => x.clusterName === a.name);
      assert.deepEqual([sa.desiredReplicas, sa.readyReplicas, sa.availableReplicas, sa.revision], [2, 2, 2, 1]);
      const sb = d.clusters.find((x: Obj) => x.clusterName === b.name);
      assert.match(sb.message, /1\/2 available.*minimum availability/);
      const listed = expectStatus(await api.get(`/v1/app?appName=status`, { token: t.member.token }), 200).data[0];
      assert.deepEqual([listed.readyClusters, listed.targetClusters], [1, 2]);

      // A stale generation or the old revision's object does not count.
      report(a, 'status', 2, { generation: 2, observedGeneration: 1 });
      await waitState(id, a, 'progressing');
      report(a, 'status', 2, {
        labels: { 'app.kubernetes.io/managed-by': 'ote', 'app.ote-stack.io/id': String(id), 'app.ote-stack.io/revision': '0' },
      });
      await waitState(id, a, 'pending');
      // A look-alike in another namespace is not the application's object.
      report(a, 'status', 2, { namespace: 'ns999999' });
      await waitState(id, a, 'pending');
      report(a, 'status', 2);
      await waitState(id, a, 'available');

      // Scaling makes the reported object stale until it shows the new count.
      expectStatus(await api.put(`/v1/app/${id}/replicas`, { token: t.member.token, body: { replicas: 3 } }), 200);
      await waitState(id, a, 'progressing');
      await until('the scaled Deployment', () => deployment(latest(a), 'status')?.spec.replicas === 3);
      report(a, 'status', 3);
      await waitState(id, a, 'available');

      // A cluster whose agent went away is unreachable.
      b.agent.close();
      await waitState(id, b, 'unreachable');
    });

    it('rolls a revision out batch by batch and stops when a batch misses its deadline', async () => {
      const label = uniqueName('ro').toLowerCase();
      const [a, b] = await clusters(2, label);
      const rollout = { batchSize: 1, progressDeadlineSeconds: 10 };
      const id = await createApp({ appName: 'batched', image: 'proj/b', tag: 'v1', clusterLabel: label, rollout });
      await approve(id);
      // First batch: the first cluster by name only.
      await waitRevision(a, 'batched', '1');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(revisionOn(b, 'batched'), undefined, 'the second batch waits for the first');
      assert.equal((await stateOf(id, b)).state, 'pending');
      assert.match((await stateOf(id, b)).message, /batch/);
      report(a, 'batched', 1);
      await waitRevision(b, 'batched', '1');
      report(b, 'batched', 1);
      await until('the rollout to finish', async () => (await detail(id)).readyClusters === 2, 8000);

      // Revision 2: the first batch never becomes available.
      expectStatus(
        await api.put(`/v1/app/${id}`, {
          token: t.member.token,
          body: { image: 'proj/b', tag: 'v2', clusterLabel: label, rollout },
        }),
        200,
      );
      await approve(id);
      await waitRevision(a, 'batched', '2');
      report(a, 'batched', 0);
      const started = Date.now();
      await until('the rollout to stop', async () => /rollout stopped/.test((await detail(id)).message), 20_000);
      assert.ok(Date.now() - started >= 5000, 'not before the deadline');
      const d = await detail(id);
      assert.match(d.message, new RegExp(`${a.name} \\(degraded`));
      assert.equal(d.runningRevision, 2);
      assert.equal((await stateOf(id, a)).state, 'degraded');
      assert.equal((await stateOf(id, b)).revision, 1, 'the rest keep the previous revision');
      assert.equal((await stateOf(id, b)).state, 'available');
      assert.match(deployment(latest(b), 'batched')?.spec.template.spec.containers[0].image, /:v1$/);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(revisionOn(b, 'batched'), '1', 'a stopped rollout does not go on');

      // A rollback (approved once) starts a new rollout and clears the message.
      expectStatus(await api.put(`/v1/app/${id}/rollback`, { token: t.member.token, body: { revision: 1 } }), 200);
      await waitRevision(a, 'batched', '1');
      assert.equal((await detail(id)).message, '');
    });

    it('goes on past a failed batch when pauseOnFailure is off, and says so', async () => {
      const label = uniqueName('go').toLowerCase();
      const [a, b] = await clusters(2, label);
      const rollout = { batchSize: 1, progressDeadlineSeconds: 10, pauseOnFailure: false };
      const id = await createApp({ appName: 'goes-on', image: 'proj/g', clusterLabel: label, rollout });
      await approve(id);
      await waitRevision(a, 'goes-on', '1');
      report(a, 'goes-on', 0);
      assert.equal(revisionOn(b, 'goes-on'), undefined);
      await until('the second batch despite the failure', () => revisionOn(b, 'goes-on') === '1', 20_000);
      const d = await detail(id);
      assert.match(d.message, new RegExp(`${a.name} \\(degraded.*went on`));
      assert.doesNotMatch(d.message, /rollout stopped/);
    });

    it('skips paused clusters and gives them the revision when the rollout ends', async () => {
      const label = uniqueName('pz').toLowerCase();
      const [a, b] = await clusters(2, label);
      expectStatus(await api.put(`/v1/cluster/${b.name}/pause`, { token: admin, body: { paused: true } }), 200);
      const id = await createApp({ appName: 'paused', image: 'proj/p', clusterLabel: label, rollout: { batchSize: 1 } });
      await approve(id);
      await waitRevision(a, 'paused', '1');
      report(a, 'paused', 1);
      // The paused cluster is not waited for: the rollout ends and it holds the revision for when it resumes.
      await waitRevision(b, 'paused', '1');
      assert.equal(latest(b)?.state.paused, true);
      const s = await stateOf(id, b);
      assert.equal(s.state, 'pending');
      assert.match(s.message, /paused/);
      expectStatus(await api.put(`/v1/cluster/${b.name}/pause`, { token: admin, body: { paused: false } }), 200);
      await until('the resumed state', () => latest(b)?.state.paused === false);
      report(b, 'paused', 1);
      await waitState(id, b, 'available');
    });

    it('refuses to strand an application when a node label goes, unless deleteDeploy', async () => {
      const label = uniqueName('nl').toLowerCase();
      const [a, b] = await clusters(2, label);
      const nodeLabel = uniqueName('cam').toLowerCase();
      for (const c of [a, b]) {
        expectStatus(
          await api.post('/v1/node/label', {
            token: admin,
            body: { nodeLabel, clusterName: c.name, nodeName: [`${c.name}-a`, `${c.name}-b`] },
          }),
          200,
        );
      }
      const id = await createApp({ appName: 'camera', image: 'proj/c', clusterLabel: label, nodeLabel });
      const other = await createApp({ appName: 'nolabel', image: 'proj/c', clusterLabel: label });
      await approve(id);
      await approve(other);
      await waitRevision(a, 'camera', '1');
      assert.deepEqual(deployment(latest(a), 'camera')?.spec.template.spec.nodeSelector, {
        [`node.ote-stack.io/${nodeLabel}`]: 'true',
      });

      // One node keeps the label: nothing is stranded.
      const del = (nodeName: string[], deleteDeploy?: boolean) =>
        api.delete('/v1/node/label', {
          token: admin,
          body: { nodeLabel, clusterName: a.name, nodeName, ...(deleteDeploy === undefined ? {} : { deleteDeploy }) },
        });
      expectStatus(await del([`${a.name}-a`]), 200);
      const refused = expectStatus(await del([`${a.name}-b`]), 409);
      assert.match(refused.message, /camera/);
      assert.doesNotMatch(refused.message, /nolabel/);
      assert.deepEqual(refused.applications, [{ id, appName: 'camera', businessId: t.businessId }]);
      const nodes = expectStatus(await api.get(`/v1/node?clusterName=${a.name}&pageSize=0`, { token: admin }), 200).data;
      assert.deepEqual(nodes.find((n: Obj) => n.nodeName === `${a.name}-b`).labels, [nodeLabel], 'the refusal took nothing away');

      expectStatus(await del([`${a.name}-b`], true), 200);
      await until('the Deployment removed from that cluster', () => !deployment(latest(a), 'camera'));
      assert.ok(deployment(latest(a), 'nolabel'), 'other applications stay');
      assert.ok(deployment(latest(b), 'camera'), 'other clusters keep it');
      const d = await detail(id);
      assert.equal(d.clusters.find((x: Obj) => x.clusterName === a.name).state, 'removed');
      assert.equal(d.targetClusters, 1);
    });
  });
}
