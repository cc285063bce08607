import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Api, expectStatus } from '../helpers/client.js';
import { FakeAgent, nodeReport, until } from '../helpers/fake-agent.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';
import { type Tenant, type TenantUser, approvedUser, makeTenant, uniqueName } from '../helpers/tenants.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are open-ended JSON
type Obj = Record<string, any>;

function webhook(alerts: Obj[]): Obj {
  return {
    version: '4',
    groupKey: '{}:{alertname="x"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'ote',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  };
}
const firing = (labels: Obj, summary: string, o: Obj = {}): Obj => ({
  status: 'firing',
  labels,
  annotations: { summary },
  startsAt: '2026-11-26T10:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus/graph',
  ...o,
});

for (const db of DATABASES) {
  describe(`alerts [${db}]`, () => {
    let hub: TestHub;
    let api: Api;
    let admin: string;
    let a: Tenant;
    let b: Tenant;
    let loner: TenantUser;
    let secret: string;
    const agents: FakeAgent[] = [];

    before(async () => {
      hub = await startHub(db, { OTE_REGISTRY_DOMAIN: 'registry.test' });
      api = new Api(hub.url);
      admin = await api.login(ADMIN.user, ADMIN.password);
      a = await makeTenant(api, admin);
      b = await makeTenant(api, admin);
      loner = await approvedUser(api, admin);
      // OTE_ALERT_SECRET unset: generated in the data directory, like the other shared secrets.
      secret = fs.readFileSync(path.join(hub.database.dataDir, 'alert.secret'), 'utf8').trim();
      assert.ok(secret.length >= 32);
      api.secrets.add(secret);
    });
    after(async () => {
      for (const x of agents) x.close();
      await hub?.close();
    });

    const alerts = async (token: string, q = 'pageSize=0') => expectStatus(await api.get(`/v1/alert?${q}`, { token }), 200);
    const post = (body: Obj, auth: string | null = `Bearer ${secret}`) =>
      api.post('/v1/alert/callback', { body, headers: auth ? { authorization: auth } : {} });

    it('lets roles 2-4 read alerts, nobody else', async () => {
      for (const token of [a.member.token, a.admin.token, admin]) expectStatus(await api.get('/v1/alert', { token }), 200);
      expectStatus(await api.get('/v1/alert', { token: loner.token }), 403);
      expectStatus(await api.get('/v1/alert'), 401);
      expectStatus(await api.get('/v1/alert?pageSize=1001', { token: admin }), 422);
    });

    it('reports clusters and nodes that are not ready, and applications that are not available, per business', async () => {
      const clusterName = uniqueName('al');
      const reg = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName } }), 200);
      api.secrets.add(reg.data.token);
      let rows = (await alerts(a.member.token)).data;
      const c = rows.find((r: Obj) => r.kind === 'cluster' && r.name === clusterName);
      assert.ok(c, 'a cluster whose agent never came is an alert');
      assert.equal(c.clusterName, clusterName);
      assert.equal(c.businessId, null);
      assert.match(c.message, /never connected/);
      assert.ok(Number.isInteger(c.since) && c.since > 1_700_000_000);
      // Never connected: a setup to finish (warning); a cluster that was there and left is critical (below).
      assert.equal(c.severity, 'warning');
      assert.deepEqual(c.labels, { alertname: 'OteClusterNotReady', cluster: clusterName });

      const agent = await FakeAgent.connect(hub.url, reg.data.token, {
        nodes: [nodeReport(`${clusterName}-ok`), nodeReport(`${clusterName}-down`, { ready: false })],
      });
      agents.push(agent);
      await until(
        'the cluster alert to clear',
        async () => !(await alerts(admin)).data.some((r: Obj) => r.kind === 'cluster' && r.name === clusterName),
      );
      rows = (await alerts(b.member.token)).data;
      const nodes = rows.filter((r: Obj) => r.kind === 'node' && r.clusterName === clusterName);
      assert.deepEqual(
        nodes.map((r: Obj) => r.name),
        [`${clusterName}-down`],
      );
      assert.deepEqual(
        [nodes[0].severity, nodes[0].labels],
        ['warning', { alertname: 'OteNodeNotReady', cluster: clusterName, node: `${clusterName}-down` }],
      );

      const id = expectStatus(
        await api.post('/v1/app', { token: a.member.token, body: { appName: 'watched', image: 'proj/w' } }),
        200,
      ).data.id;
      expectStatus(await api.put(`/v1/app/${id}/audit`, { token: admin, body: { status: 1 } }), 200);
      const appAlert = (r: Obj) => r.kind === 'app' && r.name === 'watched' && r.clusterName === clusterName;
      const mine = (await alerts(a.member.token)).data.find(appAlert);
      assert.ok(mine, 'the business sees its application that is not available');
      assert.equal(mine.businessId, a.businessId);
      assert.match(mine.message, /^pending/);
      assert.ok((await alerts(admin)).data.some(appAlert), 'the system administrator sees every business');
      assert.ok(
        !(await alerts(b.member.token)).data.some((r: Obj) => r.kind === 'app' && r.businessId === a.businessId),
        'another business does not',
      );

      // Available: the alert goes.
      await until('the Deployment', () =>
        (agent.desired.at(-1)?.state.workloads ?? []).some((w: Obj) => w.metadata.name === 'watched'),
      );
      const d = (agent.desired.at(-1)?.state.workloads as Obj[]).find((w) => w.metadata.name === 'watched') as Obj;
      agent.send({
        type: 'heartbeat',
        workloads: [
          {
            namespace: `ns${a.businessId}`,
            name: 'watched',
            kind: 'Deployment',
            generation: 1,
            observedGeneration: 1,
            desiredReplicas: 1,
            updatedReplicas: 1,
            readyReplicas: 1,
            availableReplicas: 1,
            message: '',
            labels: d.metadata.labels,
          },
        ],
      });
      await until('the application alert to clear', async () => !(await alerts(a.member.token)).data.some(appAlert));

      // The agent goes: a cluster that was there and left is critical.
      agent.close();
      await until('a critical cluster alert', async () =>
        (await alerts(admin)).data.some((r: Obj) => r.kind === 'cluster' && r.name === clusterName && r.severity === 'critical'),
      );
    });

    it('dates a node alert from when the node stopped being ready, not from the last inventory change', async () => {
      const clusterName = uniqueName('ns');
      const reg = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName } }), 200);
      api.secrets.add(reg.data.token);
      const ok = (kernelVersion: string) => nodeReport(`${clusterName}-ok`, { kernelVersion });
      const down = (ready: boolean, kernelVersion: string) => nodeReport(`${clusterName}-down`, { ready, kernelVersion });
      const agent = await FakeAgent.connect(hub.url, reg.data.token, { nodes: [ok('k1'), down(false, 'k1')] });
      agents.push(agent);
      const nodeAlert = async () =>
        (await alerts(admin)).data.find((r: Obj) => r.kind === 'node' && r.name === `${clusterName}-down`) as Obj | undefined;
      await until('the node alert', async () => (await nodeAlert()) !== undefined);
      const first = (await nodeAlert())?.since as number;
      const kernels = async () =>
        expectStatus(
          await api.get(`/v1/node?clusterName=${clusterName}&field=nodeName,kernelVersion&pageSize=0`, { token: admin }),
          200,
        ).data.map((n: Obj) => n.kernelVersion);
      // Seconds resolution: let the clock move on before anything else changes.
      await new Promise((r) => setTimeout(r, 2100));
      agent.report([ok('k2'), down(false, 'k2')]);
      await until('the new inventory', async () => (await kernels()).every((k: string) => k === 'k2'));
      assert.equal((await nodeAlert())?.since, first, 'still not ready since the first report');
      agent.report([ok('k2'), down(true, 'k2')]);
      await until('the node alert to clear', async () => (await nodeAlert()) === undefined);
      agent.report([ok('k2'), down(false, 'k2')]);
      await until('the node alert again', async () => (await nodeAlert()) !== undefined);
      assert.ok(((await nodeAlert())?.since as number) >= first + 2, 'a new spell of unreadiness has its own start');
    });

    it('takes Alertmanager webhooks with the shared secret only', async () => {
      const name = uniqueName('Disk');
      const body = webhook([firing({ alertname: name, cluster: 'edge-1', severity: 'warning' }, 'disk almost full')]);
      expectStatus(await post(body, null), 401);
      expectStatus(await post(body, 'Bearer wrong-secret-of-some-length'), 401);
      expectStatus(await post(body, secret), 401, 'the Bearer scheme is required');
      expectStatus(await post({ version: '4' }), 422);
      expectStatus(await post(webhook([{ ...firing({ alertname: 'x' }, 'x'), status: 'pending' }])), 422);
      expectStatus(await post(webhook([{ ...firing({ alertname: 'x' }, 'x'), startsAt: 'yesterday' }])), 422);
      assert.ok(!(await alerts(admin)).data.some((r: Obj) => r.name === name), 'nothing kept from refused calls');

      expectStatus(await post(body), 200);
      expectStatus(await post(body), 200, 'a repeat notification is the same alert');
      const rows = (await alerts(a.member.token)).data.filter((r: Obj) => r.name === name);
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0], {
        kind: 'external',
        name,
        clusterName: 'edge-1',
        businessId: null,
        message: 'disk almost full',
        since: Math.floor(Date.parse('2026-11-26T10:00:00Z') / 1000),
        severity: 'warning',
        labels: { alertname: name, cluster: 'edge-1', severity: 'warning' },
      });

      // Severity from the label (else warning); without a summary the message is the description, then the name.
      const crit = uniqueName('Crit');
      const noSummary = uniqueName('NoSummary');
      const bare = uniqueName('Bare');
      const alert = (labels: Record<string, string>, annotations: Record<string, string>) => ({
        ...firing(labels, 'x'),
        annotations,
      });
      const sent = [
        alert({ alertname: crit, severity: 'critical', team: 'edge' }, { summary: 'edge down', description: 'runbook: …' }),
        alert({ alertname: noSummary }, { description: 'Runbook: check the disk' }),
        alert({ alertname: bare }, { summary: '' }),
      ];
      expectStatus(await post(webhook(sent)), 200);
      const all = (await alerts(admin)).data as Obj[];
      const row = (n: string) => all.find((r) => r.name === n)!;
      assert.deepEqual([row(crit).severity, row(crit).message, row(crit).labels.team], ['critical', 'edge down', 'edge']);
      assert.deepEqual([row(noSummary).severity, row(noSummary).message], ['warning', 'Runbook: check the disk']);
      assert.equal(row(bare).message, bare);
      expectStatus(await post(webhook(sent.map((x) => ({ ...x, status: 'resolved' })))), 200);
      assert.ok(!(await alerts(admin)).data.some((r: Obj) => [crit, noSummary, bare].includes(r.name as string)));

      // An alert about a business's namespace is that business's.
      const nsName = uniqueName('Crash');
      expectStatus(await post(webhook([firing({ alertname: nsName, namespace: `ns${a.businessId}` }, 'crash looping')])), 200);
      assert.ok((await alerts(a.member.token)).data.some((r: Obj) => r.name === nsName && r.businessId === a.businessId));
      assert.ok(!(await alerts(b.member.token)).data.some((r: Obj) => r.name === nsName));
      assert.ok((await alerts(admin)).data.some((r: Obj) => r.name === nsName));

      // Resolved, or past its end: gone.
      expectStatus(
        await post(
          webhook([
            {
              ...firing({ alertname: name, cluster: 'edge-1', severity: 'warning' }, 'x'),
              status: 'resolved',
              endsAt: '2026-11-26T11:00:00Z',
            },
          ]),
        ),
        200,
      );
      assert.ok(!(await alerts(admin)).data.some((r: Obj) => r.name === name));
      const old = uniqueName('Old');
      expectStatus(await post(webhook([firing({ alertname: old }, 'over', { endsAt: '2020-01-01T00:00:00Z' })])), 200);
      assert.ok(!(await alerts(admin)).data.some((r: Obj) => r.name === old));
    });

    it('pages newest first and is empty while enableAlert is off', async () => {
      const all = await alerts(admin);
      assert.ok(all.total >= 2);
      for (let i = 1; i < all.data.length; i++) assert.ok(all.data[i - 1].since >= all.data[i].since, 'newest first');
      const p2 = await alerts(admin, 'pageSize=1&page=2');
      assert.equal(p2.total, all.total);
      assert.deepEqual(p2.data, [all.data[1]]);
      expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { enableAlert: false } }), 200);
      try {
        const off = await alerts(admin);
        assert.deepEqual([off.data, off.total], [[], 0]);
      } finally {
        expectStatus(await api.put('/v1/admin/setting', { token: admin, body: { enableAlert: true } }), 200);
      }
      assert.equal((await alerts(admin)).total, all.total);
    });
  });
}

describe('alerts with a configured secret', () => {
  let hub: TestHub;
  after(() => hub?.close());
  it('uses OTE_ALERT_SECRET instead of a generated one', async () => {
    const configured = 'configured-alert-secret-0123456789';
    hub = await startHub(DATABASES[0] ?? 'sqlite', { OTE_ALERT_SECRET: configured });
    const api = new Api(hub.url);
    api.secrets.add(configured);
    assert.equal(fs.existsSync(path.join(hub.database.dataDir, 'alert.secret')), false, 'no file when configured');
    const body = webhook([firing({ alertname: 'Cfg' }, 'configured')]);
    expectStatus(await api.post('/v1/alert/callback', { body, headers: { authorization: `Bearer ${configured}` } }), 200);
    const admin = await api.login(ADMIN.user, ADMIN.password);
    const rows = expectStatus(await api.get('/v1/alert?pageSize=0', { token: admin }), 200).data;
    assert.ok(rows.some((r: Obj) => r.name === 'Cfg'));
  });
});
