import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CoreV1Api } from '@kubernetes/client-node';
import { MANAGED_BY } from '../../src/agent-link/protocol.js';
import { type OteProcess, parseJoinCommand, spawnOte } from '../helpers/agent-process.js';
import { Api, expectStatus, typedClient } from '../helpers/client.js';
import { type HubProcess, startHubProcess } from '../helpers/hub-process.js';
import { ADMIN, DATABASES, TestDatabase } from '../helpers/hub.js';
import { type KubeCluster, createNode, nodeLabels, startKube } from '../helpers/kube.js';
import { approvedUser, auditBusiness, createBusiness, makeTenant } from '../helpers/tenants.js';
import { eventually as poll } from '../helpers/wait.js';

/**
 * Issue #4 end to end: one real hub process, two edge clusters, each a real
 * kube-apiserver (envtest) with the real agent process in front of it.
 */
const GRACE = 3;
const HEARTBEAT = 1;
const P = 'node.ote-stack.io/';

interface Edge {
  readonly name: string;
  readonly nodes: readonly string[];
  kube: KubeCluster;
  /** The `ote agent` arguments the registration answered (its `command`), plus --kubeconfig. */
  args: string[];
  /** The environment of the command (its OTE_AGENT_TOKEN). */
  env: Record<string, string>;
  agent: OteProcess | null;
}

/** The registration's command: the token in the environment, `ote agent --hub URL` after it. */
function joinCommand(command: string, token: string, hubUrl: string): { env: Record<string, string>; args: string[] } {
  const parsed = parseJoinCommand(command);
  assert.deepEqual(parsed.env, { OTE_AGENT_TOKEN: token }, 'the token travels in the environment');
  assert.deepEqual(parsed.args, ['agent', '--hub', hubUrl]);
  return parsed;
}

type NsState = 'absent' | 'active' | 'terminating' | 'unmanaged';

async function nsState(core: CoreV1Api, name: string): Promise<NsState> {
  try {
    const ns = await core.readNamespace({ name });
    if (ns.metadata?.labels?.[MANAGED_BY.key] !== MANAGED_BY.value) return 'unmanaged';
    return ns.metadata?.deletionTimestamp ? 'terminating' : 'active';
  } catch (err) {
    if ((err as { code?: number }).code === 404) return 'absent';
    throw err;
  }
}

for (const db of DATABASES) {
  describe(`edge clusters end to end [${db}]`, { timeout: 180_000 }, () => {
    const edges: Edge[] = [
      { name: 'edge-east', nodes: ['east-1', 'east-2'], kube: null as unknown as KubeCluster, args: [], env: {}, agent: null },
      { name: 'edge-west', nodes: ['west-1'], kube: null as unknown as KubeCluster, args: [], env: {}, agent: null },
    ];
    const [east, west] = edges;
    let database: TestDatabase | null = null;
    let hub: HubProcess | null = null;
    let api: Api;
    let admin: string;
    const hubEnv = { OTE_HEARTBEAT_GRACE: String(GRACE) };
    /** resourceVersions of objects OTE must never touch, checked at the end. */
    const untouched: { what: string; read: () => Promise<string | undefined>; rv: string | undefined }[] = [];

    /** `poll`, but a timeout also shows the end of every agent's and the hub's log. */
    const eventually: typeof poll = async (what, probe, opts) => {
      try {
        return await poll(what, probe, opts);
      } catch (err) {
        const tail = (name: string, log: string | undefined) =>
          log === undefined ? '' : `\n--- ${name} (last lines)\n${log.split('\n').slice(-15).join('\n')}`;
        const logs = edges.map((e) => tail(`agent ${e.name}`, e.agent?.log())).join('') + tail('hub', hub?.log());
        throw new Error(`${(err as Error).message}${logs}`, { cause: err });
      }
    };
    const startAgent = (e: Edge) => {
      e.agent = spawnOte(e.args, e.env);
    };
    // The typed client generated from the document (client/), as a third party would use it.
    const clusterRow = async (name: string) => {
      const { data, response } = await typedClient(hub!.url, { token: admin }).GET('/v1/cluster');
      assert.equal(response.status, 200);
      return data?.data.find((c) => c.clusterName === name);
    };
    const everywhere = (ns: string, want: NsState, timeoutMs = 20_000) =>
      Promise.all(
        edges.map((e) =>
          eventually(`${ns} ${want} in ${e.name}`, async () => (await nsState(e.kube.core, ns)) === want, { timeoutMs }),
        ),
      );

    before(async () => {
      const kubes = await Promise.allSettled(edges.map(() => startKube()));
      kubes.forEach((k, i) => {
        if (k.status === 'fulfilled') edges[i].kube = k.value;
      });
      const failed = kubes.find((k) => k.status === 'rejected');
      if (failed) throw failed.reason;
      for (const e of edges) {
        for (const [i, node] of e.nodes.entries()) {
          const gpu = node === 'east-1';
          await createNode(e.kube.core, {
            name: node,
            labels: { 'kubernetes.io/hostname': node, team: 'vision', ...(gpu ? { 'nvidia.com/gpu.memory': '40960' } : {}) },
            internalIP: `10.0.${edges.indexOf(e)}.${i + 10}`,
            cpu: i === 0 ? '8' : '3500m',
            memory: '16Gi',
            gpus: gpu ? 2 : 0,
          });
        }
        // Things OTE did not create: a namespace, a secret in it, and one named like OTE's own.
        await e.kube.core.createNamespace({ body: { metadata: { name: 'team-x' } } });
        await e.kube.core.createNamespace({ body: { metadata: { name: 'ns9999', labels: { owner: 'someone' } } } });
        await e.kube.core.createNamespacedSecret({
          namespace: 'team-x',
          body: { metadata: { name: 'regcred' }, type: 'Opaque', stringData: { k: 'v' } },
        });
        for (const [what, read] of [
          [
            `${e.name} namespace team-x`,
            async () => (await e.kube.core.readNamespace({ name: 'team-x' })).metadata?.resourceVersion,
          ],
          [
            `${e.name} namespace ns9999`,
            async () => (await e.kube.core.readNamespace({ name: 'ns9999' })).metadata?.resourceVersion,
          ],
          [
            `${e.name} secret team-x/regcred`,
            async () =>
              (await e.kube.core.readNamespacedSecret({ namespace: 'team-x', name: 'regcred' })).metadata?.resourceVersion,
          ],
        ] as const) {
          untouched.push({ what, read, rv: await read() });
        }
      }
      database = await TestDatabase.create(db);
      hub = await startHubProcess(database, hubEnv);
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      const ote = typedClient(hub.url, { token: admin });
      for (const e of edges) {
        const registered = await ote.POST('/v1/cluster', { body: { clusterName: e.name } });
        assert.equal(registered.response.status, 200, JSON.stringify(registered.error));
        const join = registered.data!.data;
        api.secrets.add(join.token);
        // The registration's own command line, run as is (`OTE_AGENT_TOKEN=T ote agent --hub URL`).
        const { env, args } = joinCommand(join.command, join.token, hub.url);
        e.env = env;
        e.args = [...args, '--kubeconfig', e.kube.kubeconfigPath, '--heartbeat', String(HEARTBEAT)];
        startAgent(e);
      }
      for (const e of edges) {
        // Generous: two agents and a hub compile their TypeScript at start, slow on a loaded machine.
        await eventually(
          `${e.name} ready with its nodes`,
          async () => {
            const row = await clusterRow(e.name);
            return row?.isReady === true && row.nodeCount === e.nodes.length;
          },
          { timeoutMs: 60_000 },
        );
      }
    });

    after(async () => {
      const logs = process.env.OTE_TEST_E2E_LOGS === '1';
      for (const e of edges) {
        if (e.agent) {
          const { child } = e.agent;
          // A test that failed between SIGSTOP and SIGCONT must not leave a frozen agent behind.
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGCONT');
          await e.agent.stop('SIGTERM', 3000).catch(() => {});
          if (logs) console.error(`--- agent ${e.name}\n${e.agent.log()}`);
        }
      }
      if (hub) {
        await hub.stop('SIGTERM', 5000).catch(() => {});
        if (logs) console.error(`--- hub\n${hub.log()}`);
      }
      await database?.drop().catch(() => {});
      await Promise.all(edges.map((e) => e.kube?.stop().catch(() => {})));
    });

    it('agents report their nodes: capacity, GPU memory, addresses, readiness', async () => {
      const body = expectStatus(await api.get('/v1/node?clusterName=edge-east&pageSize=0', { token: admin }), 200);
      const rows = body.data as Record<string, unknown>[];
      assert.deepEqual(rows.map((r) => r.nodeName).sort(), ['east-1', 'east-2']);
      const e1 = rows.find((r) => r.nodeName === 'east-1');
      assert.equal(e1?.ip, '10.0.0.10');
      assert.equal(e1?.cpu, 8);
      assert.equal(e1?.memory, 16 * 2 ** 30);
      assert.equal(e1?.gpu, 2 * 40960 * 2 ** 20);
      assert.equal(e1?.operatingSystem, 'Debian GNU/Linux 12 (bookworm)');
      assert.equal(e1?.isReady, true);
      assert.equal(rows.find((r) => r.nodeName === 'east-2')?.cpu, 3.5);
      assert.equal(body.meta.readyNodeCount, 2);
    });

    it('approving a business creates ns<id> in every cluster', async (t) => {
      const t0 = Date.now();
      const tenant = await makeTenant(api, admin);
      await everywhere(`ns${tenant.businessId}`, 'active');
      t.diagnostic(`approval → namespace in both clusters: ${Date.now() - t0} ms (includes making the tenant)`);
    });

    it(`a silent agent makes its cluster and nodes not ready within grace + heartbeat (${GRACE + HEARTBEAT} s)`, async (t) => {
      const agent = west.agent as OteProcess;
      // SIGSTOP freezes the agent with its TCP connection open: only the missing heartbeats tell.
      process.kill(agent.pid, 'SIGSTOP');
      const t0 = Date.now();
      try {
        await eventually('edge-west not ready', async () => (await clusterRow('edge-west'))?.isReady === false, {
          timeoutMs: (GRACE + HEARTBEAT) * 1000 + 3000,
        });
        const elapsed = Date.now() - t0;
        t.diagnostic(`silent agent → cluster not ready after ${elapsed} ms (grace ${GRACE} s, heartbeat ${HEARTBEAT} s)`);
        assert.ok(elapsed <= (GRACE + HEARTBEAT) * 1000 + 2500, `not ready after ${elapsed} ms`);
        const nodes = expectStatus(await api.get('/v1/node?clusterName=edge-west', { token: admin }), 200);
        assert.deepEqual(
          nodes.data.map((n: { isReady: boolean }) => n.isReady),
          [false],
        );
        assert.equal(nodes.meta.readyNodeCount, 0);
        assert.equal((await clusterRow('edge-east'))?.isReady, true, 'the other cluster stays ready');
      } finally {
        process.kill(agent.pid, 'SIGCONT');
      }
      await eventually('edge-west ready again', async () => (await clusterRow('edge-west'))?.isReady === true);
    });

    it('a business approved while an agent is stopped reaches its cluster when the agent restarts', async () => {
      assert.equal(await (west.agent as OteProcess).stop('SIGTERM'), 0, 'the agent stops cleanly on SIGTERM');
      await eventually('edge-west not ready', async () => (await clusterRow('edge-west'))?.isReady === false, {
        timeoutMs: (GRACE + HEARTBEAT) * 1000 + 3000,
      });
      const tenant = await makeTenant(api, admin);
      const ns = `ns${tenant.businessId}`;
      await eventually(`${ns} in edge-east`, async () => (await nsState(east.kube.core, ns)) === 'active');
      assert.equal(await nsState(west.kube.core, ns), 'absent', 'nothing reaches a cluster without its agent');
      startAgent(west);
      await eventually(`${ns} in edge-west after the restart`, async () => (await nsState(west.kube.core, ns)) === 'active', {
        timeoutMs: 60_000,
      });
      await eventually('edge-west ready', async () => (await clusterRow('edge-west'))?.isReady === true);
    });

    it('a node label set through the API lands on the Kubernetes Node and goes away when deleted', async () => {
      const body = { nodeLabel: 'gpu-a100', clusterName: 'edge-east', nodeName: ['east-1'] };
      expectStatus(await api.post('/v1/node/label', { token: admin, body }), 200);
      await eventually(
        'the label on east-1',
        async () => (await nodeLabels(east.kube.core, 'east-1'))[`${P}gpu-a100`] === 'true',
      );
      // The API lists the labels OTE manages for the node (its desired set), not a read-back of the Node.
      await eventually('the API lists the label on east-1', async () => {
        const res = expectStatus(await api.get('/v1/node?clusterName=edge-east&nodeName=east-1', { token: admin }), 200);
        return (res.data[0]?.labels as string[] | undefined)?.includes('gpu-a100');
      });
      assert.equal((await nodeLabels(east.kube.core, 'east-2'))[`${P}gpu-a100`], undefined, 'only the named node');

      expectStatus(await api.delete('/v1/node/label', { token: admin, body }), 200);
      await eventually(
        'the label gone from east-1',
        async () => !(`${P}gpu-a100` in (await nodeLabels(east.kube.core, 'east-1'))),
      );
      const labels = await nodeLabels(east.kube.core, 'east-1');
      assert.equal(labels.team, 'vision', 'labels OTE did not set stay');
      assert.equal(labels['nvidia.com/gpu.memory'], '40960');
    });

    it('a paused cluster keeps reporting but applies nothing until resumed', async () => {
      expectStatus(await api.put('/v1/cluster/edge-west/pause', { token: admin, body: { paused: true } }), 200);
      const tenant = await makeTenant(api, admin);
      const ns = `ns${tenant.businessId}`;
      await eventually(`${ns} in edge-east`, async () => (await nsState(east.kube.core, ns)) === 'active');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await nsState(west.kube.core, ns), 'absent', 'the paused cluster did not apply it');
      const row = await clusterRow('edge-west');
      assert.equal(row?.isReady, true, 'a paused cluster stays ready');
      assert.equal(row?.paused, true);
      expectStatus(await api.put('/v1/cluster/edge-west/pause', { token: admin, body: { paused: false } }), 200);
      await eventually(`${ns} in edge-west after resume`, async () => (await nsState(west.kube.core, ns)) === 'active');
    });

    it('deleting a business removes its namespaces everywhere; what OTE did not create is untouched', async () => {
      const tenant = await makeTenant(api, admin);
      const ns = `ns${tenant.businessId}`;
      await everywhere(ns, 'active');
      expectStatus(await api.delete(`/v1/business/id/${tenant.businessId}`, { token: admin }), 200);
      // No controllers run in envtest: a deleted namespace stays Terminating.
      await everywhere(ns, 'terminating');
      for (const u of untouched) assert.equal(await u.read(), u.rv, `${u.what} was not touched`);
      for (const e of edges) assert.equal(await nsState(e.kube.core, 'ns9999'), 'unmanaged');
    });

    it('SIGKILL of the hub in the middle of a fan-out, then a restart on the same data: every cluster converges', async (t) => {
      const owners = await Promise.all([1, 2, 3, 4].map(() => approvedUser(api, admin, { isAdmin: true })));
      const ids = await Promise.all(owners.map((o) => createBusiness(api, o.token)));
      const running = hub as HubProcess;
      // Approve all at once and kill the hub as soon as the first approval answers: the rest is in flight.
      // Asserted, not annotated: TypeScript does not see the assignment in the callback and would narrow to null.
      let killed = null as Promise<unknown> | null;
      const approvals = ids.map((id) =>
        api
          .put(`/v1/business/id/${id}`, { token: admin, body: { status: 1, comment: 'go' } })
          .then((res) => {
            killed ??= running.stop('SIGKILL');
            return res.status;
          })
          .catch(() => 'killed'),
      );
      const outcomes = await Promise.all(approvals);
      await killed;
      t.diagnostic(`approvals when the hub was killed: ${JSON.stringify(outcomes)}`);
      assert.ok(outcomes.includes(200), 'at least one approval committed before the kill');

      // Edge autonomy: with the hub gone the agents keep redialing and leave their clusters exactly as they are.
      const snapshot = () =>
        Promise.all(
          edges.map(async (e) =>
            (await e.kube.core.listNamespace()).items
              .map((n) => `${n.metadata?.name}:${n.metadata?.resourceVersion}:${String(n.metadata?.deletionTimestamp ?? '')}`)
              .sort(),
          ),
        );
      await new Promise((r) => setTimeout(r, 300)); // let a fan-out that left before the kill land
      const whileDown = await snapshot();
      await new Promise((r) => setTimeout(r, 2000));
      assert.deepEqual(await snapshot(), whileDown, 'nothing changed in any cluster while the hub was down');
      for (const e of edges) assert.equal(e.agent?.child.exitCode, null, `the ${e.name} agent is still running`);

      const t0 = Date.now();
      hub = await startHubProcess(database as TestDatabase, hubEnv, running.port);
      admin = await api.login(ADMIN.user, ADMIN.password);
      const list = expectStatus(await api.get('/v1/business?pageSize=0', { token: admin }), 200).data as {
        id: number;
        status: number;
      }[];
      const approved = ids.filter((id) => list.find((b) => b.id === id)?.status === 1);
      const pending = ids.filter((id) => list.find((b) => b.id === id)?.status === 0);
      assert.equal(approved.length + pending.length, ids.length, 'each business is either approved or still pending');
      for (const [i, id] of ids.entries()) {
        if (outcomes[i] === 200) assert.ok(approved.includes(id), `business ${id} answered 200 so it is approved`);
      }
      await Promise.all(approved.map((id) => everywhere(`ns${id}`, 'active', 60_000)));
      t.diagnostic(`hub restart → ${approved.length} namespaces in both clusters after ${Date.now() - t0} ms`);
      for (const id of pending) {
        for (const e of edges) assert.equal(await nsState(e.kube.core, `ns${id}`), 'absent');
        await auditBusiness(api, admin, id, 1);
      }
      await Promise.all(pending.map((id) => everywhere(`ns${id}`, 'active')));
      for (const e of edges) {
        await eventually(`${e.name} ready after the hub restart`, async () => (await clusterRow(e.name))?.isReady === true);
      }
    });

    it('rotating the join token disconnects the agent, which exits with status 3 instead of redialing', async () => {
      const join = expectStatus(await api.post('/v1/cluster/edge-west/token', { token: admin }), 200).data;
      api.secrets.add(join.token);
      const old = west.agent as OteProcess;
      const code = await Promise.race([old.exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
      assert.equal(code, 3);
      assert.match(old.log(), /revoked the join token \(close 4001/);
      // Started again with the dead token: the upgrade is refused (401) and it exits 3 at once, no redial loop.
      const stale = spawnOte(west.args, west.env);
      const staleCode = await Promise.race([stale.exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
      await stale.stop('SIGKILL');
      assert.equal(staleCode, 3, stale.log());
      assert.match(stale.log(), /refused the join token \(HTTP 401\)/);
      const oldToken = west.env.OTE_AGENT_TOKEN;
      for (const log of [old.log(), stale.log()]) assert.ok(!log.includes(oldToken), 'the agent never logs its token');
      const next = joinCommand(join.command, join.token, (hub as HubProcess).url);
      west.env = next.env;
      west.args = [...next.args, '--kubeconfig', west.kube.kubeconfigPath, '--heartbeat', String(HEARTBEAT)];
      startAgent(west);
      await eventually('edge-west ready with the new token', async () => (await clusterRow('edge-west'))?.isReady === true, {
        timeoutMs: 60_000,
      });
    });
  });
}
