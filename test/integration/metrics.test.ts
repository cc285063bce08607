import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DesiredMessage } from '../../src/agent-link/protocol.js';
import { Api, expectStatus } from '../helpers/client.js';
import { FakeAgent, nodeReport, until } from '../helpers/fake-agent.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { createBusiness, makeTenant, uniqueName } from '../helpers/tenants.js';
import { createUser, registerUser } from '../helpers/users.js';

/** The value of one series of a Prometheus text exposition (`name{labels}`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The fleet figures are refreshed behind scrapes at most 5 s apart (server/metrics.ts): allow for that on a busy machine. */
const FRESH = 30_000;

// API.md §9: the fleet-wide figures come from the database (so a second hub on the same
// database would export the same); the per-replica counters from what this replica saw.
for (const db of DATABASES) {
  describe(`hub metrics (API.md §9) [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    const agents: FakeAgent[] = [];
    const scrape = async () => {
      const res = await fetch(`${hub.url}/metrics`);
      assert.equal(res.status, 200);
      return res.text();
    };
    const register = async (name: string) => {
      const join = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: name } }), 200).data;
      api.secrets.add(join.token);
      return join.token as string;
    };

    before(async () => {
      hub = await startHub(db, { OTE_HEARTBEAT_GRACE: '3' });
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
    });
    after(async () => {
      for (const a of agents) a.close();
      await hub?.close();
    });

    it('exports every series API.md §9 names, with its labels, from the first scrape', async () => {
      const text = await scrape();
      for (const series of [
        'ote_clusters{state="ready"}',
        'ote_clusters{state="not_ready"}',
        'ote_clusters{state="paused"}',
        'ote_clusters{state="never_connected"}',
        'ote_nodes{state="ready"}',
        'ote_nodes{state="not_ready"}',
        'ote_agents_connected',
        'ote_clusters_behind',
        'ote_desired_state_seconds_count',
        'ote_agent_apply_failures_total',
        'ote_agent_disconnects_total{reason="replaced"}',
        'ote_login_failures_total{reason="credentials"}',
        'ote_login_failures_total{reason="throttled"}',
        'ote_login_failures_total{reason="not_approved"}',
        'ote_apps{state="pending"}',
        'ote_apps{state="available"}',
        'ote_apps{state="progressing"}',
        'ote_apps{state="degraded"}',
        'ote_apps{state="failed"}',
        'ote_pending_reviews{kind="user"}',
        'ote_pending_reviews{kind="business"}',
        'ote_pending_reviews{kind="app"}',
      ]) {
        assert.notEqual(sample(text, series), undefined, `${series} is exported`);
      }
      assert.match(text, /^ote_build_info\{version="\d+\.\d+\.\d+",node="v\d+[^"]*"\} 1$/m);
      assert.match(text, /# HELP ote_agents_connected .*per replica/);
      assert.match(text, /# HELP ote_clusters .*fleet-wide/);
    });

    it('counts clusters and nodes by state, clusters behind, deliveries, apply failures and disconnects', async () => {
      const before = await scrape();
      const base = (s: string) => sample(before, s) ?? 0;
      const never = await register(uniqueName('m-never'));
      void never;
      const pausedToken = await register('m-paused');
      const readyName = uniqueName('m-ready');
      const ready = await FakeAgent.connect(hub.url, await register(readyName), {
        nodes: [nodeReport('n1'), nodeReport('n2', { ready: false })],
      });
      agents.push(ready);
      const paused = await FakeAgent.connect(hub.url, pausedToken, { nodes: [nodeReport('p1')] });
      agents.push(paused);
      expectStatus(await api.put('/v1/cluster/m-paused/pause', { token: admin, body: { paused: true } }), 200);
      // A lagging agent: connected, acknowledges nothing.
      const lagging = await FakeAgent.connect(hub.url, await register(uniqueName('m-lag')), {
        autoAck: false,
        nodes: [nodeReport('l1')],
      });
      agents.push(lagging);
      await lagging.waitForDesired(() => true);
      await ready.waitForDesired(() => true);

      let text = '';
      await until(
        'the figures to show the new clusters',
        async () => {
          text = await scrape();
          return (
            sample(text, 'ote_clusters{state="ready"}') === base('ote_clusters{state="ready"}') + 2 &&
            sample(text, 'ote_clusters{state="paused"}') === base('ote_clusters{state="paused"}') + 1 &&
            sample(text, 'ote_clusters{state="never_connected"}') === base('ote_clusters{state="never_connected"}') + 1 &&
            sample(text, 'ote_clusters_behind') === base('ote_clusters_behind') + 1
          );
        },
        FRESH,
      );
      // n1, p1, l1 ready (a paused cluster stays ready, API.md §5); n2 reports not Ready.
      assert.equal(sample(text, 'ote_nodes{state="ready"}'), base('ote_nodes{state="ready"}') + 3);
      assert.equal(sample(text, 'ote_nodes{state="not_ready"}'), base('ote_nodes{state="not_ready"}') + 1);
      assert.equal(sample(text, 'ote_agents_connected'), 3);
      assert.ok((sample(text, 'ote_desired_state_seconds_count') ?? 0) >= 1, 'the ready agent acknowledged a change');

      // A failed apply, then the lagging agent goes away without a word: not ready, a network disconnect.
      lagging.send({ type: 'ack', generation: 1, ok: false, error: 'quota exceeded' });
      lagging.close();
      await until(
        'the failure and the disconnect to be counted',
        async () => {
          text = await scrape();
          return (
            sample(text, 'ote_agent_apply_failures_total') === base('ote_agent_apply_failures_total') + 1 &&
            (sample(text, 'ote_agent_disconnects_total{reason="network"}') ?? 0) +
              (sample(text, 'ote_agent_disconnects_total{reason="agent_stopped"}') ?? 0) >
              base('ote_agent_disconnects_total{reason="network"}') + base('ote_agent_disconnects_total{reason="agent_stopped"}')
          );
        },
        FRESH,
      );
      // Rotating a token closes its agent with 4001: reason "token".
      expectStatus(await api.post(`/v1/cluster/${readyName}/token`, { token: admin }), 200);
      await until(
        'the token disconnect to be counted',
        async () => {
          text = await scrape();
          return (
            sample(text, 'ote_agent_disconnects_total{reason="token"}') ===
            base('ote_agent_disconnects_total{reason="token"}') + 1
          );
        },
        FRESH,
      );
      await until(
        'the dropped clusters to turn not ready after the grace',
        async () => {
          text = await scrape();
          return sample(text, 'ote_clusters{state="not_ready"}') === base('ote_clusters{state="not_ready"}') + 2;
        },
        FRESH,
      );
      assert.equal(sample(text, 'ote_agents_connected'), 1, 'only the paused cluster is still connected');
    });

    it('counts pending reviews, applications by state and refused logins', async () => {
      const before = await scrape();
      const base = (s: string) => sample(before, s) ?? 0;
      await registerUser(api);
      const boss = await createUser(api, admin, { isAdmin: true });
      await createBusiness(api, boss.token);
      const forbidden = await createUser(api, admin);
      expectStatus(await api.put(`/v1/admin/user/${forbidden.id}`, { token: admin, body: { status: 3 } }), 200);
      expectStatus(await api.post('/v1/authorization', { body: { user: forbidden.user, password: forbidden.password } }), 401);
      expectStatus(await api.post('/v1/authorization', { body: { user: boss.user, password: 'Wrong-passw0rd' } }), 401);
      // An application of an approved business, waiting for its review.
      const owner = await createUser(api, admin, { isAdmin: true });
      const biz = await createBusiness(api, owner.token);
      expectStatus(await api.put(`/v1/business/id/${biz}`, { token: admin, body: { status: 1, comment: 'ok' } }), 200);
      const app = { appName: 'metered', image: 'docker.io/library/nginx', tag: '1', clusterLabel: 'all' };
      expectStatus(await api.post('/v1/app', { token: owner.token, body: app }), 200);
      let text = '';
      const want = {
        'ote_pending_reviews{kind="app"}': 1,
        'ote_apps{state="pending"}': 1,
        'ote_pending_reviews{kind="user"}': 1,
        'ote_pending_reviews{kind="business"}': 1,
        'ote_login_failures_total{reason="credentials"}': 1,
        'ote_login_failures_total{reason="not_approved"}': 1,
      };
      await until(
        'the figures to show the waiting reviews and the refused logins',
        async () => {
          text = await scrape();
          return Object.entries(want).every(([series, plus]) => sample(text, series) === base(series) + plus);
        },
        FRESH,
      ).catch((err) => {
        const seen = Object.keys(want).map((k) => `${k} ${base(k)} → ${sample(text, k)}`);
        throw new Error(`${(err as Error).message}\n${seen.join('\n')}`);
      });
    });

    it('judges applications by state: progressing, available, degraded (a paused rollout) and failed (rolled back)', async () => {
      const before = await scrape();
      const base = (s: string) => sample(before, s) ?? 0;
      const t = await makeTenant(api, admin);
      const name = uniqueName('m-apps');
      const agent = await FakeAgent.connect(hub.url, await register(name), { nodes: [nodeReport(`${name}-n`)] });
      agents.push(agent);
      const label = uniqueName('ma').toLowerCase();
      expectStatus(
        await api.post('/v1/cluster/label', { token: admin, body: { clusterLabel: label, clusterName: [name] } }),
        200,
      );
      const create = async (appName: string, onFailure: string) => {
        const body = {
          appName,
          image: 'docker.io/library/nginx',
          tag: '1',
          clusterLabel: label,
          rollout: { batchSize: 1, progressDeadlineSeconds: 10, onFailure },
        };
        const id = expectStatus(await api.post('/v1/app', { token: t.member.token, body }), 200).data.id as number;
        expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1 } }), 200);
      };
      // Three applications on one cluster: one comes up, one stays down and pauses, one stays down and rolls back.
      await create('up', 'pause');
      await create('stuck', 'pause');
      await create('rb', 'rollback');
      const deployment = (m: DesiredMessage, app: string) =>
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- workload objects are open-ended JSON
        (m.state.workloads as any[]).find((w) => w.kind === 'Deployment' && w.metadata.name === app);
      const desired = await agent.waitForDesired((m) => ['up', 'stuck', 'rb'].every((a) => deployment(m, a)));
      const report = (app: string, available: number) => {
        const d = deployment(desired, app);
        return {
          namespace: `ns${t.businessId}`,
          name: app,
          kind: 'Deployment' as const,
          generation: 1,
          observedGeneration: 1,
          desiredReplicas: d.spec.replicas as number,
          updatedReplicas: d.spec.replicas as number,
          readyReplicas: available,
          availableReplicas: available,
          message: '',
          labels: { ...d.metadata.labels },
        };
      };
      const expect = async (what: string, want: Record<string, number>) => {
        let text = '';
        await until(
          what,
          async () => {
            text = await scrape();
            return Object.entries(want).every(
              ([state, plus]) => sample(text, `ote_apps{state="${state}"}`) === base(`ote_apps{state="${state}"}`) + plus,
            );
          },
          FRESH,
        ).catch((err) => {
          const seen = Object.keys(want).map(
            (k) => `${k} ${base(`ote_apps{state="${k}"}`)} → ${sample(text, `ote_apps{state="${k}"}`)}`,
          );
          throw new Error(`${(err as Error).message}\n${seen.join('\n')}`);
        });
      };
      await expect('three applications progressing', { progressing: 3, available: 0, degraded: 0, failed: 0 });
      agent.send({ type: 'heartbeat', workloads: [report('up', 1), report('stuck', 0), report('rb', 0)] });
      await expect('one available, two progressing', { progressing: 2, available: 1, degraded: 0, failed: 0 });
      // Past the 10 s deadline: 'stuck' pauses (degraded), 'rb' is rolled back and its revision failed.
      await expect('one available, one degraded, one failed', {
        progressing: 0,
        available: 1,
        degraded: 1,
        failed: 1,
        pending: 0,
      });
    });
  });
}
