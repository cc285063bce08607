import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode } from '../../src/agent-link/protocol.js';
import { Api, expectStatus } from '../helpers/client.js';
import { FakeAgent, nodeReport } from '../helpers/fake-agent.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { approvedUser, auditBusiness, createBusiness, uniqueName } from '../helpers/tenants.js';

/**
 * Two hub replicas on one PostgreSQL database (ARCHITECTURE.md principle 3):
 * a change made through replica A reaches an agent connected to replica B
 * (PostgreSQL NOTIFY wakes B; the database is the truth). Issue #4 requires it.
 */
if (DATABASES.includes('postgres')) {
  describe('two hub replicas on one PostgreSQL database', () => {
    let a: TestHub;
    let b: TestHub;
    let apiA: Api;
    let apiB: Api;
    let adminA: string;
    const agents: FakeAgent[] = [];

    before(async () => {
      a = await startHub('postgres');
      b = await startHub('postgres', {}, a.database);
      apiA = new Api(a.url);
      apiB = new Api(b.url);
      adminA = await apiA.login(ADMIN.user, ADMIN.password);
    });
    after(async () => {
      for (const ag of agents) ag.close();
      await b?.stop();
      await a?.close();
    });

    async function agentOnB(nodes = [nodeReport('rep-n1'), nodeReport('rep-n2')]) {
      const clusterName = uniqueName('rep');
      const token = expectStatus(await apiA.post('/v1/cluster', { token: adminA, body: { clusterName } }), 200).data.token;
      const agent = await FakeAgent.connect(b.url, token, { nodes });
      agents.push(agent);
      const first = await agent.waitForDesired(() => true);
      return { clusterName, token, agent, first };
    }

    it('a node label set through replica A reaches the agent connected to replica B', async () => {
      const { clusterName, agent, first } = await agentOnB();
      // Replica A sees the cluster ready and its nodes, although the agent is on B.
      const row = expectStatus(await apiA.get('/v1/cluster', { token: adminA }), 200).data.find(
        (c: { clusterName: string }) => c.clusterName === clusterName,
      );
      assert.equal(row.isReady, true);
      assert.equal(row.nodeCount, 2);
      expectStatus(
        await apiA.post('/v1/node/label', { token: adminA, body: { nodeLabel: 'camera', clusterName, nodeName: ['rep-n2'] } }),
        200,
      );
      const pushed = await agent.waitForDesired((m) => (m.state.nodeLabels['rep-n2'] ?? []).includes('camera'));
      assert.ok(pushed.generation > first.generation);
    });

    it('a business approved through replica A reaches the agent on replica B', async () => {
      const { agent } = await agentOnB();
      const owner = await approvedUser(apiA, adminA, { isAdmin: true });
      const bizId = await createBusiness(apiA, owner.token);
      await auditBusiness(apiA, adminA, bizId, 1);
      await agent.waitForDesired((m) => m.state.namespaces.includes(`ns${bizId}`));
    });

    it('rotating the token through replica A closes the agent on replica B with 4001', async () => {
      const { clusterName, agent } = await agentOnB();
      const adminB = await apiB.login(ADMIN.user, ADMIN.password);
      assert.ok(adminB);
      expectStatus(await apiA.post(`/v1/cluster/${clusterName}/token`, { token: adminA }), 200);
      assert.equal(await agent.closeCode(), CloseCode.tokenRevoked);
    });

    it('a reconnect to replica A replaces the session on replica B (4002)', async () => {
      const { token, agent } = await agentOnB();
      const again = await FakeAgent.connect(a.url, token, { nodes: [nodeReport('rep-n1')] });
      agents.push(again);
      await again.waitForDesired(() => true);
      assert.equal(await agent.closeCode(), CloseCode.replaced);
    });
  });
}
