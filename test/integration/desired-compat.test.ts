import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { stateHash } from '../../src/agent-link/state-hash.js';
import { FakeAgent, nodeReport } from '../helpers/fake-agent.js';
import { DATABASES, type TestHub, startHub } from '../helpers/hub.js';

/**
 * The desired state and its hash are a pure function of the database, and a
 * hub upgrade must not change what any cluster runs: for one fixed set of
 * rows the state sent to the agent stays exactly this (pinned from the hub
 * before the agent link was split into contributors), and the hash stored in
 * `clusters.desired_hash` is this one.
 *
 * The hash moved once, deliberately (issue #13): it used to be taken of the
 * builder's inputs as one text; it now combines per-object hashes
 * (src/agent-link/state-hash.ts, "ote.desired.v2") so the hub pays for the
 * objects that changed and agents can check states assembled from deltas.
 * On that upgrade every cluster moves to a new generation once, with the same
 * content: its agent reconciles a state it already has (nothing changes in
 * the cluster) and acknowledges it. The old hashes are kept below to test
 * exactly that. A further change here moves every generation in the field.
 */
const PINNED: Record<string, { hash: string; state: string }> = {
  'compat-1': {
    hash: '2a336c3497c11c2a4d3ec92d27bd1306144d54d61c4c39e8ebb74b9bb4e449d1',
    state: '33a446fef1846230c5e1c112a2f799c1bb7a6bad9f5d48a3fb1c6c2edef0a4ee',
  },
  'compat-2': {
    hash: '8e835057818bd16b2496e556bfaf9ea2ade05d93e1aa568572592288ba4d8ea6',
    state: 'c92df41add8128ce649bf932b3881c32f302946fc8efcf60b939362d0b5fa385',
  },
  'compat-3': {
    hash: '99ab09d738f992dfac931b266ec5ef0ecba94916f5afa6eff918f05e6b724c22',
    state: 'c2c1184ca61e1098933cd7dc7c4644b64634beef8872ce6f48ec312b4ae1b913',
  },
  'compat-4': {
    hash: 'e0094e1e47c18a89fdf9bd003a3b8daeb9cdb1a34b5a034dae3bb8dfedb7db16',
    state: '91da1bf4f08d02918c7ae4238a8f51857fee3a9f140f45b05c62d98a12f57502',
  },
};
/** compat-4's hash under the first scheme (before issue #13). */
const V1_HASH_OF_4 = '1ab16b1db38b811e022a4d3ce117bd2d90653f70fa350a3d2f6efd2d2e92ced5';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const token = (i: number) => `compat-token-${i}-${'x'.repeat(40)}`;

const spec = {
  appName: 'web',
  description: '',
  image: 'library/nginx',
  tag: '1.25',
  replicas: 2,
  ports: [{ containerPort: 80, protocol: 'TCP' }],
  env: { B: '2', A: '1' },
  command: [],
  args: [],
  cpu: 0.25,
  memory: 67108864,
  gpu: 0,
  clusterLabel: 'edge',
  nodeLabel: 'camera',
  kind: 'Deployment',
  maxSurge: 1,
  maxUnavailable: '25%',
  volumes: [],
};

for (const kind of DATABASES) {
  describe(`desired state stays byte-identical for the same database [${kind}]`, () => {
    let hub: TestHub;
    const agents: FakeAgent[] = [];

    before(async () => {
      hub = await startHub(kind);
      const db = hub.hub.services.db.kysely;
      const t = 1_700_000_000;
      const biz = (name: string, status: number) => ({
        name,
        name_key: name,
        user_id: 1,
        introduce: '',
        objective: '',
        scale: '',
        comment: '',
        status,
        create_time: t,
        update_time: t,
      });
      // Approved (1), pending (0) and refused (2) businesses: only approved ones get a namespace.
      for (const [name, status] of [
        ['b1', 1],
        ['b2', 0],
        ['b3', 1],
        ['b4', 2],
        ['b5', 1],
      ] as const) {
        await db.insertInto('businesses').values(biz(name, status)).execute();
      }
      const cluster = (i: number, paused: number) => ({
        name: `compat-${i}`,
        name_key: `compat-${i}`,
        token_hash: sha(token(i)),
        paused,
        session_id: null,
        agent_version: null,
        last_heartbeat: null,
        inventory_hash: null,
        acked_generation: null,
        ack_error: null,
        create_time: t,
      });
      for (const [i, paused] of [
        [1, 0],
        [2, 1],
        [3, 0],
        [4, 0],
      ] as const)
        await db.insertInto('clusters').values(cluster(i, paused)).execute();
      // compat-5 is compat-4 (same facts) as a hub before issue #13 left it: generation 7 under the old hash.
      await db
        .insertInto('clusters')
        .values({ ...cluster(5, 0), generation: 7, desired_hash: V1_HASH_OF_4, acked_generation: 7 })
        .execute();
      const ids = await db.selectFrom('clusters').select(['id', 'name']).orderBy('id').execute();
      const id = (i: number) => ids.find((r) => r.name === `compat-${i}`)!.id;
      await db
        .insertInto('cluster_labels')
        .values([
          { cluster_id: id(1), label: 'edge', create_time: t },
          { cluster_id: id(2), label: 'edge', create_time: t },
          { cluster_id: id(3), label: 'lab', create_time: t },
        ])
        .execute();
      await db
        .insertInto('node_labels')
        .values([
          { cluster_id: id(1), node_name: 'n-b', label: 'gpu', create_time: t },
          { cluster_id: id(1), node_name: 'n-b', label: 'camera', create_time: t },
          { cluster_id: id(1), node_name: 'n-a', label: 'camera', create_time: t },
          { cluster_id: id(3), node_name: 'n-a', label: 'camera', create_time: t },
        ])
        .execute();
      const biz1 = (await db.selectFrom('businesses').select('id').where('name', '=', 'b1').executeTakeFirstOrThrow()).id;
      const app = await db
        .insertInto('applications')
        .values({
          business_id: biz1,
          app_name: 'web',
          name_key: 'web',
          latest_revision: 1,
          running_revision: 1,
          replicas: 2,
          cluster_label: 'edge',
          rollout_batch_start: null,
          create_time: t,
          update_time: t,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('app_revisions')
        .values({
          app_id: app.id,
          revision: 1,
          spec: JSON.stringify(spec),
          status: 1,
          comment: '',
          creator_id: 1,
          create_time: t,
          update_time: t,
        })
        .execute();
      for (const i of [1, 2, 3, 4]) {
        agents.push(await FakeAgent.connect(hub.url, token(i), { nodes: [nodeReport('n-a'), nodeReport('n-b')] }));
      }
      for (const a of agents) await a.waitForDesired(() => true);
    });
    after(async () => {
      for (const a of agents) a.close();
      await hub?.close();
    });

    it('stores the pinned hash and sends the pinned state', async () => {
      const db = hub.hub.services.db.kysely;
      const rows = await db.selectFrom('clusters').select(['name', 'desired_hash', 'generation']).orderBy('name').execute();
      const got: Record<string, { hash: string; state: string }> = {};
      for (const [i, a] of agents.entries()) {
        const row = rows.find((r) => r.name === `compat-${i + 1}`)!;
        assert.equal(Number(row.generation), 1, 'a new cluster moves to generation 1 once');
        got[row.name] = { hash: row.desired_hash, state: sha(JSON.stringify(a.desired[0].state)) };
      }
      if (process.env.OTE_PRINT_PINNED) console.log(JSON.stringify(got, null, 2));
      assert.deepEqual(got, PINNED);
      for (const [i, a] of agents.entries()) {
        assert.equal(
          stateHash(a.desired[0].state),
          got[`compat-${i + 1}`].hash,
          'the agent can check the state it holds against the stored hash',
        );
      }
    });

    it('an upgrade from the old hash moves a cluster once, to the same content', async () => {
      const db = hub.hub.services.db.kysely;
      let a = await FakeAgent.connect(hub.url, token(5), { nodes: [nodeReport('n-a'), nodeReport('n-b')] });
      try {
        const first = await a.waitForDesired(() => true);
        assert.equal(first.generation, 8, 'one new generation');
        assert.equal(sha(JSON.stringify(first.state)), PINNED['compat-4'].state, 'the same state as before the upgrade');
        const row = await db
          .selectFrom('clusters')
          .select(['desired_hash', 'generation'])
          .where('name', '=', 'compat-5')
          .executeTakeFirstOrThrow();
        assert.equal(row.desired_hash, PINNED['compat-4'].hash);
        a.close();
        a = await FakeAgent.connect(hub.url, token(5), { nodes: [nodeReport('n-a'), nodeReport('n-b')] });
        assert.equal((await a.waitForDesired(() => true)).generation, 8, 'a reconnect does not move it again');
      } finally {
        a.close();
      }
    });
  });
}
