import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode } from '../../src/agent-link/protocol.js';
import { Api, expectStatus } from '../helpers/client.js';
import { FakeAgent, connectStatus, nodeReport, until } from '../helpers/fake-agent.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { type Tenant, approvedUser, auditBusiness, createBusiness, makeTenant, uniqueName } from '../helpers/tenants.js';

// Small, so readiness flips within a test; not smaller, so a busy machine does not flip it early.
const GRACE = 3;

for (const db of DATABASES) {
  describe(`clusters (API.md §5, §11) [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let tenant: Tenant;
    const agents: FakeAgent[] = [];

    /** Registers a cluster as the system administrator; the token is a secret from then on. */
    async function register(name = uniqueName('c')): Promise<{ name: string; token: string; command: string }> {
      const data = expectStatus(
        await api.post('/v1/cluster', { token: admin, body: { clusterName: name } }),
        200,
        'register',
      ).data;
      // From here on no response may contain it (the Api client checks every body).
      api.secrets.add(data.token);
      return { name: data.clusterName, token: data.token, command: data.command };
    }
    async function connect(token: string, opts: Parameters<typeof FakeAgent.connect>[2] = {}): Promise<FakeAgent> {
      const a = await FakeAgent.connect(hub.url, token, opts);
      agents.push(a);
      return a;
    }
    async function clusterRow(name: string) {
      const body = expectStatus(await api.get('/v1/cluster', { token: admin }), 200);
      return body.data.find((c: { clusterName: string }) => c.clusterName === name);
    }

    before(async () => {
      hub = await startHub(db, { OTE_HEARTBEAT_GRACE: String(GRACE), OTE_PUBLIC_URL: 'https://hub.example.org:8443/' });
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      tenant = await makeTenant(api, admin);
    });
    after(async () => {
      for (const a of agents) a.close();
      await hub?.close();
    });

    it('registers a cluster: a join token shown once, the exact agent command, 409 for a duplicate name', async () => {
      const name = uniqueName('Edge');
      const res = await api.post('/v1/cluster', { token: admin, body: { clusterName: name } });
      const data = expectStatus(res, 200).data;
      assert.equal(data.clusterName, name);
      assert.match(data.token, /^[0-9a-f]{64}$/, '256 random bits in hex (never a leading "-")');
      // The token in the environment (not in `ps`), the installed command (not `npx` inside a clone).
      assert.equal(data.command, `OTE_AGENT_TOKEN=${data.token} ote agent --hub https://hub.example.org:8443`);
      assert.equal(data.hubIsLoopback, false);
      assert.equal(data.warning, undefined);
      const dup = await api.post('/v1/cluster', { token: admin, body: { clusterName: name.toUpperCase() } });
      assert.match(expectStatus(dup, 409).message, /already exists/);
      // Stored hashed: the token itself is nowhere in the database row.
      const row = await hub.hub.services.db.kysely
        .selectFrom('clusters')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(data.token));
      assert.match(row.token_hash, /^[0-9a-f]{64}$/);
      // Nor in the audit log, nor in any later answer.
      api.secrets.add(data.token);
      const audit = expectStatus(await api.get('/v1/admin/audit?pageSize=0', { token: admin }), 200);
      assert.ok(
        audit.data.some((r: { action: string }) => r.action === 'POST /v1/cluster'),
        'registration is audited',
      );
      expectStatus(await api.get('/v1/cluster', { token: admin }), 200);
    });

    it('validates registration bodies and roles', async () => {
      for (const clusterName of ['-bad', 'bad-', 'a_b', '', 'x'.repeat(64)]) {
        const res = await api.post('/v1/cluster', { token: admin, body: { clusterName } });
        assert.match(expectStatus(res, 422, clusterName).message, /clusterName/);
      }
      assert.match(
        expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: 'label' } }), 422).message,
        /reserved/,
      );
      const extra = await api.post('/v1/cluster', { token: admin, body: { clusterName: uniqueName('c'), token: 'mine' } });
      assert.match(expectStatus(extra, 422).message, /token: unknown field/);
      expectStatus(await api.post('/v1/cluster', { body: { clusterName: uniqueName('c') } }), 401);
      for (const token of [tenant.admin.token, tenant.member.token]) {
        expectStatus(await api.post('/v1/cluster', { token, body: { clusterName: uniqueName('c') } }), 403);
        expectStatus(await api.get('/v1/cluster', { token }), 200);
        expectStatus(await api.get('/v1/cluster/label', { token }), 200);
      }
      const loner = await approvedUser(api, admin);
      expectStatus(await api.get('/v1/cluster', { token: loner.token }), 403, 'role 1 may not read clusters');
    });

    it('refuses a wrong join token with 401 before the upgrade; a good one connects and gets the namespaces', async () => {
      assert.equal(await connectStatus(hub.url, 'not-a-token'), 401);
      const c = await register();
      assert.equal(await connectStatus(hub.url, `${c.token}x`), 401);
      const agent = await connect(c.token, { nodes: [nodeReport('n1')] });
      const first = await agent.waitForDesired(() => true);
      assert.ok(first.generation >= 1);
      assert.ok(first.state.namespaces.includes(`ns${tenant.businessId}`), 'approved business namespace');
      assert.deepEqual(first.state.nodeLabels, {});
      assert.equal(first.state.paused, false);
      // The ack is recorded (heartbeats and acks are written in batches).
      await until('ack recorded', async () => {
        const row = await hub.hub.services.db.kysely
          .selectFrom('clusters')
          .select(['acked_generation'])
          .where('name', '=', c.name)
          .executeTakeFirstOrThrow();
        return row.acked_generation === first.generation;
      });
      const row = await clusterRow(c.name);
      assert.equal(row.isReady, true);
      assert.equal(row.nodeCount, 1);
      assert.ok(row.lastHeartbeat > 0);
    });

    it('pushes a new generation to every connected cluster when a business is approved', async () => {
      const c = await register();
      const agent = await connect(c.token);
      const first = await agent.waitForDesired(() => true);
      const owner = await approvedUser(api, admin, { isAdmin: true });
      const bizId = await createBusiness(api, owner.token);
      assert.ok(!first.state.namespaces.includes(`ns${bizId}`));
      await auditBusiness(api, admin, bizId, 1);
      const next = await agent.waitForDesired((m) => m.state.namespaces.includes(`ns${bizId}`));
      assert.ok(next.generation > first.generation);
    });

    it('sends the full desired state first after every reconnect, with the same generation when nothing changed', async () => {
      const c = await register();
      const a1 = await connect(c.token);
      const g1 = (await a1.waitForDesired(() => true)).generation;
      a1.close();
      await until('disconnect seen', async () => (await clusterRow(c.name)).isReady === false);
      const a2 = await connect(c.token);
      const again = await a2.waitForDesired(() => true);
      assert.equal(again.generation, g1, 'same state, same generation');
      assert.ok(again.state.namespaces.includes(`ns${tenant.businessId}`));
    });

    it('pause and resume push the paused flag as a new generation', async () => {
      const c = await register();
      const agent = await connect(c.token);
      const g0 = (await agent.waitForDesired(() => true)).generation;
      const res = await api.put(`/v1/cluster/${c.name}/pause`, { token: admin, body: { paused: true } });
      assert.deepEqual(expectStatus(res, 200).data, { clusterName: c.name, paused: true });
      const paused = await agent.waitForDesired((m) => m.state.paused);
      assert.ok(paused.generation > g0);
      assert.equal((await clusterRow(c.name)).paused, true);
      assert.equal((await clusterRow(c.name)).isReady, true, 'a paused cluster stays ready');
      expectStatus(await api.put(`/v1/cluster/${c.name}/pause`, { token: admin, body: { paused: false } }), 200);
      const resumed = await agent.waitForDesired((m) => m.generation > paused.generation && !m.state.paused);
      assert.equal(resumed.state.paused, false);
      expectStatus(await api.put(`/v1/cluster/${c.name}/pause`, { token: admin, body: { paused: 'yes' } }), 422);
      expectStatus(await api.put(`/v1/cluster/${c.name}/pause`, { token: admin, body: {} }), 422);
      expectStatus(await api.put('/v1/cluster/nope-nope/pause', { token: admin, body: { paused: true } }), 404);
      expectStatus(await api.put(`/v1/cluster/${c.name}/pause`, { token: tenant.admin.token, body: { paused: true } }), 403);
    });

    it('rotating the token closes the connected agent with 4001; the old token is refused, the new one works', async () => {
      const c = await register();
      const agent = await connect(c.token);
      await agent.waitForDesired(() => true);
      const res = await api.post(`/v1/cluster/${c.name}/token`, { token: admin });
      const data = expectStatus(res, 200).data;
      assert.notEqual(data.token, c.token);
      assert.equal(data.command, `OTE_AGENT_TOKEN=${data.token} ote agent --hub https://hub.example.org:8443`);
      assert.equal(await agent.closeCode(), CloseCode.tokenRevoked);
      assert.equal(await connectStatus(hub.url, c.token), 401);
      const again = await connect(data.token);
      await again.waitForDesired(() => true);
      expectStatus(await api.post('/v1/cluster/nope-nope/token', { token: admin }), 404);
      expectStatus(await api.post(`/v1/cluster/${c.name}/token`, { token: tenant.member.token }), 403);
    });

    it('deleting a cluster closes its agent with 4001 and revokes its token', async () => {
      const c = await register();
      const agent = await connect(c.token, { nodes: [nodeReport('gone-1')] });
      await agent.waitForDesired(() => true);
      expectStatus(await api.delete(`/v1/cluster/${c.name}`, { token: tenant.admin.token }), 403);
      expectStatus(await api.delete(`/v1/cluster/${c.name.toUpperCase()}`, { token: admin }), 200);
      assert.equal(await agent.closeCode(), CloseCode.tokenRevoked);
      assert.equal(await connectStatus(hub.url, c.token), 401);
      assert.equal(await clusterRow(c.name), undefined);
      expectStatus(await api.get(`/v1/cluster/label/${c.name}`, { token: admin }), 404);
      expectStatus(await api.delete(`/v1/cluster/${c.name}`, { token: admin }), 404);
      const nodes = expectStatus(await api.get(`/v1/node?nodeName=gone-1`, { token: admin }), 200);
      assert.equal(nodes.total, 0, 'its nodes went with it');
      expectStatus(await api.delete('/v1/cluster/bad_name', { token: admin }), 422);
    });

    it('records a failed acknowledgement and clears it with the next good one (also across reconnects)', async () => {
      const c = await register();
      const ackError = async () =>
        await hub.hub.services.db.kysely
          .selectFrom('clusters')
          .select(['ack_error', 'acked_generation'])
          .where('name', '=', c.name)
          .executeTakeFirstOrThrow();
      const a1 = await connect(c.token, { autoAck: false });
      const d = await a1.waitForDesired(() => true);
      a1.send({ type: 'ack', generation: d.generation, ok: false, error: 'namespace ns1 is not managed by OTE' });
      await until('error recorded', async () => (await ackError()).ack_error === 'namespace ns1 is not managed by OTE');
      assert.equal((await ackError()).acked_generation, null, 'a failed apply is not an acknowledgement');
      // A NUL (which PostgreSQL text cannot hold) is dropped, not a reason to refuse the frame again and again.
      a1.send({ type: 'ack', generation: d.generation, ok: false, error: 'bad\u0000 name' });
      await until('error with the NUL dropped', async () => (await ackError()).ack_error === 'bad name');
      assert.equal(a1.ws.readyState, a1.ws.OPEN);
      a1.close();
      const a2 = await connect(c.token);
      const d2 = await a2.waitForDesired(() => true);
      await until('cleared', async () => {
        const r = await ackError();
        return r.ack_error === null && r.acked_generation === d2.generation;
      });
    });

    it('a newer connection of the same cluster replaces the older one (4002)', async () => {
      const c = await register();
      const a1 = await connect(c.token);
      await a1.waitForDesired(() => true);
      const a2 = await connect(c.token);
      await a2.waitForDesired(() => true);
      assert.equal(await a1.closeCode(), CloseCode.replaced);
      assert.equal((await clusterRow(c.name)).isReady, true);
    });

    it('closes a connection that breaks the protocol (4003)', async () => {
      const c = await register();
      const a = await connect(c.token, { hello: false, heartbeatMs: 0 });
      a.send('{not json');
      assert.equal(await a.closeCode(), CloseCode.protocolError);
      const b = await connect(c.token, { hello: false, heartbeatMs: 0 });
      b.send({ type: 'heartbeat' });
      assert.equal(await b.closeCode(), CloseCode.protocolError, 'the first frame must be a hello');
      const d = await connect(c.token, { hello: false, heartbeatMs: 0 });
      d.send({ type: 'hello', protocol: 99, agentVersion: 'x', appliedGeneration: null, nodes: [], workloads: [] });
      assert.equal(await d.closeCode(), CloseCode.protocolError);
    });

    it('drops a connection that sends a frame over the size limit (16 MiB), and takes the next one', async () => {
      const c = await register();
      const a = await connect(c.token, { heartbeatMs: 0 });
      await a.waitForDesired(() => true);
      // A valid heartbeat (extra fields are allowed) that is only too big.
      a.send({ type: 'heartbeat', padding: 'x'.repeat(17 * 2 ** 20) });
      assert.notEqual(await a.closeCode(), 1000);
      const b = await connect(c.token);
      await b.waitForDesired(() => true);
      await until('ready again', async () => (await clusterRow(c.name)).isReady === true);
    });

    it('refuses values the database could not store with 4003, and they never hold up other clusters', async () => {
      const hello = (nodes: unknown[]) => ({
        type: 'hello',
        protocol: 1,
        agentVersion: 'x',
        appliedGeneration: null,
        nodes,
        workloads: [],
      });
      const c = await register();
      for (const [what, frame] of [
        ['a node with more bytes than a bigint holds', hello([nodeReport('big', { memory: 1e300 })])],
        ['a GPU count past 2^31', hello([nodeReport('big', { gpuCount: 3e9 })])],
        ['a NUL in a node name', hello([nodeReport('a\u0000b')])],
        ['a node name longer than Kubernetes allows', hello([nodeReport('n'.repeat(254))])],
        ['a NUL in the agent version', { ...hello([]), agentVersion: 'v\u00001' }],
      ] as const) {
        const a = await connect(c.token, { hello: false, heartbeatMs: 0 });
        a.send(frame);
        assert.equal(await a.closeCode(), CloseCode.protocolError, what);
      }
      // An acknowledgement of a generation past 2^53: refused at once, not batched for a write that fails.
      const bad = await connect(c.token, { autoAck: false });
      await bad.waitForDesired(() => true);
      bad.send({ type: 'ack', generation: 1e20, ok: true });
      assert.equal(await bad.closeCode(), CloseCode.protocolError);
      const other = await register();
      const good = await connect(other.token);
      const d = await good.waitForDesired(() => true);
      await until("the other cluster's ack recorded", async () => {
        const row = await hub.hub.services.db.kysely
          .selectFrom('clusters')
          .select(['acked_generation'])
          .where('name', '=', other.name)
          .executeTakeFirstOrThrow();
        return row.acked_generation === d.generation;
      });
    });

    it('readiness: ready while heartbeating, not ready after the grace period, not ready once disconnected', async () => {
      const c = await register();
      const agent = await connect(c.token, { nodes: [nodeReport('r1')] });
      await agent.waitForDesired(() => true);
      assert.equal((await clusterRow(c.name)).isReady, true);
      // Keep heartbeating past the grace period: still ready.
      await new Promise((r) => setTimeout(r, (GRACE + 1) * 1000));
      assert.equal((await clusterRow(c.name)).isReady, true);
      agent.stopHeartbeats();
      await until('not ready after the grace', async () => (await clusterRow(c.name)).isReady === false, (GRACE + 3) * 1000);
      const nodes = expectStatus(await api.get(`/v1/node?clusterName=${c.name}`, { token: admin }), 200);
      assert.equal(nodes.data[0].isReady, false, 'a node of an unready cluster is not ready');
      assert.equal(nodes.meta.readyNodeCount, 0);
      agent.startHeartbeats(300);
      await until('ready again', async () => (await clusterRow(c.name)).isReady === true);
    });

    it('lists clusters with their labels, filters by label, pages (default: no limit)', async () => {
      const names = [uniqueName('list'), uniqueName('list'), uniqueName('list')];
      for (const n of names) await register(n);
      const label = uniqueName('lab').toLowerCase();
      expectStatus(
        await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel: label, clusterName: names.slice(0, 2) } }),
        200,
      );
      const all = expectStatus(await api.get('/v1/cluster', { token: tenant.member.token }), 200);
      assert.equal(all.total, all.data.length, 'pageSize 0 by default: every cluster');
      const sorted = [...all.data.map((c: { clusterName: string }) => c.clusterName)];
      assert.deepEqual(
        sorted,
        [...sorted].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)),
      );
      for (const key of ['clusterName', 'nodeCount', 'isReady', 'labels', 'createTime', 'lastHeartbeat']) {
        assert.ok(key in all.data[0], `row has ${key}`);
      }
      const explicitAll = expectStatus(await api.get('/v1/cluster?clusterLabel=all', { token: admin }), 200);
      assert.equal(explicitAll.total, all.total);
      const labelled = expectStatus(await api.get(`/v1/cluster?clusterLabel=${label}`, { token: admin }), 200);
      assert.equal(labelled.total, 2);
      assert.deepEqual(labelled.data.map((c: { clusterName: string }) => c.clusterName).sort(), names.slice(0, 2).sort());
      assert.deepEqual(labelled.data[0].labels, [label]);
      assert.equal(labelled.data[0].isReady, false);
      assert.equal(labelled.data[0].lastHeartbeat, null);
      assert.equal(labelled.data[0].nodeCount, 0);
      const paged = expectStatus(await api.get(`/v1/cluster?clusterLabel=${label}&page=2&pageSize=1`, { token: admin }), 200);
      assert.equal(paged.total, 2);
      assert.equal(paged.data.length, 1);
      expectStatus(await api.get('/v1/cluster?pageSize=1001', { token: admin }), 422);
      expectStatus(await api.get('/v1/cluster?clusterLabel=-x', { token: admin }), 422);
    });

    it('cluster labels: all or nothing, idempotent, sorted, paged per cluster', async () => {
      const a = await register(uniqueName('lbl'));
      const b = await register(uniqueName('lbl'));
      const [l1, l2] = [`zz-${uniqueName('l')}`, `aa.${uniqueName('l')}`];
      const bad = await api.post('/v1/cluster/label', {
        token: admin,
        body: { clusterLabel: l1, clusterName: [a.name, 'missing-one', 'missing-two'] },
      });
      const msg = expectStatus(bad, 422).message;
      assert.match(msg, /clusterName/);
      assert.match(msg, /missing-one/);
      assert.match(msg, /missing-two/);
      assert.equal((await clusterRow(a.name)).labels.length, 0, 'nothing applied');
      for (let i = 0; i < 2; i++) {
        expectStatus(
          await api.post('/v1/cluster/label', {
            token: admin,
            body: { clusterLabel: l1, clusterName: [a.name, b.name.toUpperCase()] },
          }),
          200,
        );
      }
      expectStatus(await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel: l2, clusterName: [a.name] } }), 200);
      assert.deepEqual((await clusterRow(a.name)).labels, [l2, l1].sort());
      const labels = expectStatus(await api.get('/v1/cluster/label', { token: tenant.member.token }), 200).data as string[];
      assert.ok(labels.includes(l1) && labels.includes(l2));
      assert.deepEqual(labels, [...labels].sort());
      const perCluster = expectStatus(
        await api.get(`/v1/cluster/label/${a.name}?pageSize=1`, { token: tenant.member.token }),
        200,
      );
      assert.equal(perCluster.total, 2);
      assert.equal(perCluster.data.length, 1);
      assert.equal(perCluster.data[0].clusterLabel, [l1, l2].sort()[0]);
      assert.ok(perCluster.data[0].createTime > 0);
      expectStatus(await api.get('/v1/cluster/label/no-such-cluster', { token: admin }), 404);
      // Removing: unknown names refuse everything; known ones lose the label (idempotent).
      expectStatus(
        await api.delete('/v1/cluster/label', { token: admin, body: { clusterLabel: l1, clusterName: [a.name, 'ghost'] } }),
        422,
      );
      assert.deepEqual((await clusterRow(a.name)).labels, [l2, l1].sort());
      expectStatus(
        await api.delete('/v1/cluster/label', { token: admin, body: { clusterLabel: l1, clusterName: [a.name] } }),
        200,
      );
      expectStatus(
        await api.delete('/v1/cluster/label', { token: admin, body: { clusterLabel: l1, clusterName: [a.name] } }),
        200,
      );
      assert.deepEqual((await clusterRow(a.name)).labels, [l2]);
      assert.deepEqual((await clusterRow(b.name)).labels, [l1]);
      // Validation and roles.
      for (const body of [
        { clusterLabel: '-bad', clusterName: [a.name] },
        { clusterLabel: 'ok', clusterName: [] },
        { clusterLabel: 'ok' },
        { clusterLabel: 'ok', clusterName: [a.name], extra: 1 },
        { clusterLabel: `a${'b'.repeat(62)}c`, clusterName: [a.name] },
        { clusterLabel: 'ok.', clusterName: [a.name] },
        { clusterLabel: '.ok', clusterName: [a.name] },
        { clusterLabel: 'ok-', clusterName: [a.name] },
      ]) {
        expectStatus(await api.post('/v1/cluster/label', { token: admin, body }), 422, JSON.stringify(body));
      }
      // 63 characters is the longest label.
      const longest = `a${'b'.repeat(61)}c`;
      expectStatus(
        await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel: longest, clusterName: [b.name] } }),
        200,
      );
      assert.ok((await clusterRow(b.name)).labels.includes(longest));
      // "all" means every cluster (clusterLabel=all): a label of that name could never be selected.
      const all = await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel: 'all', clusterName: [a.name] } });
      assert.match(expectStatus(all, 422).message, /^clusterLabel: .*reserved/);
      assert.ok(!(await clusterRow(a.name)).labels.includes('all'));
      expectStatus(
        await api.post('/v1/cluster/label', { token: tenant.admin.token, body: { clusterLabel: 'x', clusterName: [a.name] } }),
        403,
      );
      expectStatus(
        await api.delete('/v1/cluster/label', { token: tenant.admin.token, body: { clusterLabel: 'x', clusterName: [a.name] } }),
        403,
      );
    });
  });
}

for (const db of DATABASES) {
  describe(`hub restarts and agents [${db}]`, () => {
    it('a stopping hub closes its agents with 4004 and leaves no cluster looking connected', async () => {
      const first = await startHub(db);
      let second: TestHub | undefined;
      try {
        const api = new Api(first.url);
        const admin = await api.login(ADMIN.user, ADMIN.password);
        const name = uniqueName('rs');
        const token = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: name } }), 200).data.token;
        const agent = await FakeAgent.connect(first.url, token, { nodes: [nodeReport('rs-1')] });
        await agent.waitForDesired(() => true);
        await first.stop();
        assert.equal(await agent.closeCode(), CloseCode.hubStopping);
        const kysely = () => second!.hub.services.db.kysely;
        second = await startHub(db, {}, first.database);
        const row = await kysely()
          .selectFrom('clusters')
          .select(['session_id'])
          .where('name', '=', name)
          .executeTakeFirstOrThrow();
        assert.equal(row.session_id, null, 'released on the clean stop');
        const api2 = new Api(second.url);
        const admin2 = await api2.login(ADMIN.user, ADMIN.password);
        const listed = expectStatus(await api2.get('/v1/cluster', { token: admin2 }), 200).data;
        assert.equal(listed.find((c: { clusterName: string }) => c.clusterName === name).isReady, false);
        if (db === 'sqlite') {
          // A crash leaves the session behind; a lone (SQLite) hub knows at start that nobody is connected.
          await kysely()
            .updateTable('clusters')
            .set({ session_id: 'crashed', last_heartbeat: Math.floor(Date.now() / 1000) })
            .execute();
          await second.stop();
          second = await startHub(db, {}, first.database);
          const again = await kysely()
            .selectFrom('clusters')
            .select(['session_id'])
            .where('name', '=', name)
            .executeTakeFirstOrThrow();
          assert.equal(again.session_id, null);
        }
        // The agent comes back to the new hub and gets its state again.
        const back = await FakeAgent.connect(second.url, token, { nodes: [nodeReport('rs-1')] });
        await back.waitForDesired(() => true);
        back.close();
      } finally {
        await second?.stop();
        await first.close();
      }
    });
  });
}
