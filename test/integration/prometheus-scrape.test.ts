import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Api, expectStatus } from '../helpers/client.js';
import { FakeAgent, nodeReport, until } from '../helpers/fake-agent.js';
import { ADMIN, DATABASES, type TestHub, startHub } from '../helpers/hub.js';

// A real Prometheus (Debian's 2.42, package `prometheus`) scrapes a real hub, with the
// shipped rules loaded: the series appear under job "ote" and every rule evaluates.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

for (const db of DATABASES) {
  describe(`a real Prometheus scrapes the hub [${db}]`, { timeout: 180_000 }, () => {
    let hub: TestHub;
    let prometheus: ChildProcess | null = null;
    let promUrl = '';
    let promLog = '';
    const agents: FakeAgent[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-prometheus-'));

    before(async () => {
      hub = await startHub(db);
      const api = new Api(hub.url);
      const admin = await api.login(ADMIN.user, ADMIN.password);
      for (const name of ['prom-a', 'prom-b']) {
        const join = expectStatus(await api.post('/v1/cluster', { token: admin, body: { clusterName: name } }), 200).data;
        agents.push(await FakeAgent.connect(hub.url, join.token, { nodes: [nodeReport(`${name}-1`), nodeReport(`${name}-2`)] }));
      }
      const port = await freePort();
      promUrl = `http://127.0.0.1:${port}`;
      const config = path.join(dir, 'prometheus.yml');
      fs.writeFileSync(
        config,
        [
          'global: {scrape_interval: 1s, evaluation_interval: 1s}',
          `rule_files: ["${path.join(ROOT, 'deploy/prometheus-rules.yaml')}"]`,
          'scrape_configs:',
          '  - job_name: ote',
          `    static_configs: [{targets: ["${new URL(hub.url).host}"]}]`,
        ].join('\n'),
      );
      prometheus = spawn(
        'prometheus',
        [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prometheus.stdout!.on('data', (d) => (promLog += d));
      prometheus.stderr!.on('data', (d) => (promLog += d));
    });
    after(async () => {
      const p = prometheus;
      if (p?.pid !== undefined && p.exitCode === null && p.signalCode === null) {
        const exited = new Promise((resolve) => p.once('exit', resolve));
        process.kill(p.pid, 'SIGTERM');
        const timer = setTimeout(() => p.exitCode === null && p.pid !== undefined && process.kill(p.pid, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      for (const a of agents) a.close();
      await hub?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const query = async (q: string): Promise<PromResult[]> => {
      const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => null);
      if (!res || res.status !== 200) return [];
      const body = (await res.json()) as { data: { result: PromResult[] } };
      return body.data.result;
    };

    it('finds the hub up and its fleet series, and loads every shipped rule', async () => {
      await until(
        'Prometheus to scrape ote_clusters',
        async () => {
          assert.equal(prometheus?.exitCode, null, `prometheus exited:\n${promLog}`);
          const ready = await query('ote_clusters{job="ote",state="ready"}');
          return ready.length === 1 && ready[0].value[1] === '2';
        },
        60_000,
      );
      const up = await query('up{job="ote"}');
      assert.equal(up[0]?.value[1], '1');
      const nodes = await query('ote_nodes{state="ready"}');
      assert.equal(nodes[0]?.value[1], '4');
      assert.equal((await query('ote_agents_connected'))[0]?.value[1], '2');
      for (const series of [
        'ote_clusters_behind',
        'ote_apps',
        'ote_pending_reviews',
        'ote_agent_apply_failures_total',
        'ote_agent_disconnects_total',
        'ote_login_failures_total',
        'ote_desired_state_seconds_bucket',
        'ote_build_info',
        'ote_http_requests_total',
      ]) {
        assert.ok((await query(series)).length > 0, `${series} scraped`);
      }
      let groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] = [];
      await until(
        'the rules to be evaluated',
        async () => {
          const res = await fetch(`${promUrl}/api/v1/rules`);
          groups = ((await res.json()) as { data: { groups: typeof groups } }).data.groups;
          return groups.length > 0 && groups.every((g) => g.rules.every((r) => r.health === 'ok'));
        },
        30_000,
      );
      const rules = groups.flatMap((g) => g.rules);
      assert.ok(rules.length >= 10, `${rules.length} rules loaded`);
      for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
    });
  });
}
