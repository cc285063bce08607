import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stateHash } from '../../src/agent-link/state-hash.js';
import { Api, expectStatus } from '../helpers/client.js';
import { FakeAgent, type FakeAgentOptions, nodeReport, until } from '../helpers/fake-agent.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { type Tenant, makeTenant } from '../helpers/tenants.js';

/**
 * The delta protocol (issue #13) against the real hub: after the full state a
 * connection opens with, an agent that announced `delta` gets only what
 * changed, assembles it, and checks it against the hash; a mismatch makes it
 * ask for, and get, the full state. An agent from before deltas keeps getting
 * full states and converges all the same.
 */
const image = (tag: string) => ({
  appName: 'web',
  image: 'proj/web',
  tag,
  ports: [{ containerPort: 80, protocol: 'TCP' }],
  clusterLabel: 'all',
});
const nodes = [nodeReport('n1'), nodeReport('n2')];
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- workload objects are open-ended JSON
const imageOf = (state: { workloads: Record<string, any>[] }) =>
  state.workloads.find((w) => w.kind === 'Deployment')?.spec.template.spec.containers[0].image as string | undefined;

for (const kind of DATABASES) {
  describe(`agent protocol deltas [${kind}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let tenant: Tenant;
    let appId: number;
    const agents: FakeAgent[] = [];
    let n = 0;

    /** A new cluster and its agent. */
    async function agent(opts: FakeAgentOptions = {}): Promise<{ a: FakeAgent; name: string }> {
      const name = `delta-${++n}`;
      const token = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: name } }), 200).data.token;
      const a = await FakeAgent.connect(hub.url, token, { nodes, ...opts });
      agents.push(a);
      return { a, name };
    }

    async function release(tag: string): Promise<void> {
      expectStatus(await api.put(`/v1/app/${appId}`, { token: tenant.admin.token, body: image(tag) }), 200);
      expectStatus(await api.put(`/v1/app/${appId}/audit`, { token: admin, body: { status: 1, comment: '' } }), 200);
    }

    before(async () => {
      hub = await startHub(kind, { OTE_REGISTRY_DOMAIN: 'registry.test' });
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      tenant = await makeTenant(api, admin);
      appId = expectStatus(await api.post('/v1/app', { token: tenant.admin.token, body: image('1.0') }), 200).data.id;
      expectStatus(await api.put(`/v1/app/${appId}/audit`, { token: admin, body: { status: 1, comment: '' } }), 200);
    });
    after(async () => {
      for (const a of agents) a.close();
      await hub?.close();
    });

    it('sends the full state first, then only what changed, with the hash of the whole', async () => {
      const { a, name } = await agent({ capabilities: ['delta'] });
      const first = await a.waitForState((s) => imageOf(s.state) === 'registry.test/proj/web:1.0');
      assert.equal(a.frames[0].type, 'desired', 'a connection opens with the full state');
      assert.equal(a.desired[0].hash, stateHash(a.desired[0].state), 'with its hash');
      const fullBytes = JSON.stringify(a.desired[0]).length;

      await release('1.1');
      const next = await a.waitForState((s) => imageOf(s.state) === 'registry.test/proj/web:1.1');
      assert.ok(next.generation > first.generation);
      const d = a.deltas.at(-1)!;
      assert.equal(d.generation, next.generation);
      assert.equal(d.baseGeneration, first.generation);
      assert.deepEqual(
        d.workloads?.put.map((o) => o.kind),
        ['Deployment'],
        'only the Deployment changed (the Service did not)',
      );
      assert.deepEqual(d.workloads?.remove, []);
      assert.equal(d.namespaces, undefined, 'unchanged parts are left out');
      assert.equal(d.pullSecrets, undefined);
      assert.ok(JSON.stringify(d).length < fullBytes, 'smaller than the full state');
      assert.deepEqual(a.resyncs, [], 'every delta checked out');

      // A node label: only the node labels travel.
      expectStatus(
        await api.post('/v1/node/label', { token: admin, body: { nodeLabel: 'gpu', clusterName: name, nodeName: ['n2'] } }),
        200,
      );
      const labelled = await a.waitForState((s) => s.state.nodeLabels.n2?.includes('gpu') ?? false);
      const ld = a.deltas.at(-1)!;
      assert.equal(ld.generation, labelled.generation);
      assert.deepEqual(ld.nodeLabels, { n2: ['gpu'] });
      assert.equal(ld.workloads, undefined);

      // What the agent assembled is what a fresh connection gets in full.
      const db = hub.hub.services.db.kysely;
      const row = await db.selectFrom('clusters').select(['desired_hash']).where('name', '=', name).executeTakeFirstOrThrow();
      assert.equal(stateHash(labelled.state), row.desired_hash);
    });

    it('a hash mismatch makes the agent ask for the full state, and the hub sends it', async () => {
      let broken = true;
      // The first delta loses its put objects on the way: what the agent assembles cannot match the hash.
      const { a } = await agent({
        capabilities: ['delta'],
        tamper: (d) => {
          if (!broken || !d.workloads) return d;
          broken = false;
          return { ...d, workloads: { put: [], remove: d.workloads.remove } };
        },
      });
      const first = await a.waitForState(() => true);
      await release('1.2');
      await a.waitFor(() => a.resyncs.length === 1, 10_000, 'a resync request');
      assert.match(a.resyncs[0], /does not match the hub's hash/);
      const full = await a.waitForState((s) => imageOf(s.state) === 'registry.test/proj/web:1.2');
      const last = a.frames.at(-1)!;
      assert.equal(last.type, 'desired', 'the answer is a full state');
      assert.ok(full.generation > first.generation);
      assert.equal(a.desired.length, 2, 'the opening state and the one asked for');
      assert.equal(last.generation, a.deltas.at(-1)!.generation, 'of the generation the failed delta was for');

      // Deltas resume on the new base.
      await release('1.3');
      await a.waitForState((s) => imageOf(s.state) === 'registry.test/proj/web:1.3');
      assert.equal(a.frames.at(-1)!.type, 'delta');
      assert.equal(a.resyncs.length, 1);
    });

    it('an agent that does not announce deltas gets full states only, and converges', async () => {
      const { a, name } = await agent();
      await a.waitForState(() => true);
      await release('1.4');
      await a.waitForState((s) => imageOf(s.state) === 'registry.test/proj/web:1.4');
      expectStatus(
        await api.post('/v1/node/label', { token: admin, body: { nodeLabel: 'cam', clusterName: name, nodeName: ['n1'] } }),
        200,
      );
      const s = await a.waitForState((x) => x.state.nodeLabels.n1?.includes('cam') ?? false);
      assert.equal(a.deltas.length, 0);
      assert.ok(a.desired.length >= 3);
      assert.ok(
        a.desired.every((d) => d.hash === undefined),
        'old agents get the frames they know, nothing more',
      );
      const acked = async () =>
        Number(
          (
            await hub.hub.services.db.kysely
              .selectFrom('clusters')
              .select('acked_generation')
              .where('name', '=', name)
              .executeTakeFirstOrThrow()
          ).acked_generation,
        );
      await until('the latest generation acknowledged', async () => {
        await hub.hub.services.agentLink.flush();
        return (await acked()) === s.generation;
      });
    });
  });
}
