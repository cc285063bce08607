/**
 * Agent load (issue #4): ONE generator process (this one) connects N simulated
 * clusters of M nodes to ONE hub child process over the real agent protocol,
 * then reports the hub's RSS and CPU at steady heartbeat (from /proc/<pid>)
 * and the time from a business approval until every cluster has acknowledged
 * the new generation. Prints a markdown table; asserts nothing about time.
 *
 *   OTE_BENCH_AGENT_CLUSTERS  cluster counts (default "100,1000,5000")
 *   OTE_BENCH_AGENT_NODES     nodes per cluster (default 20)
 *   OTE_BENCH_AGENT_HEARTBEAT heartbeat seconds (default 10, the agent's default)
 *   OTE_BENCH_AGENT_WINDOW    steady-state measuring window, seconds (default 30)
 *   OTE_BENCH_AGENT_APPROVALS approvals timed per size (default 5)
 *   OTE_BENCH_DB              sqlite (default) or postgres (a temporary database on 127.0.0.1:5432)
 *
 * Clusters are registered through the API (POST /v1/cluster), as an operator would.
 * Every heartbeat carries the full node list (the agent reports nodes every interval).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { type DesiredMessage, PROTOCOL_VERSION } from '../src/agent-link/protocol.js';
import { type DbKind, TestDatabase } from '../test/helpers/hub.js';
import { ADMIN, call, cpuSeconds, mib, nodesOf, pct, pool, sleep } from './fleet-sim.js';

const SIZES = (process.env.OTE_BENCH_AGENT_CLUSTERS ?? '100,1000,5000').split(',').map(Number);
const NODES = Number(process.env.OTE_BENCH_AGENT_NODES ?? 20);
const HEARTBEAT_S = Number(process.env.OTE_BENCH_AGENT_HEARTBEAT ?? 10);
const WINDOW_S = Number(process.env.OTE_BENCH_AGENT_WINDOW ?? 30);
const APPROVALS = Number(process.env.OTE_BENCH_AGENT_APPROVALS ?? 5);
const DB_KIND = (process.env.OTE_BENCH_DB ?? 'sqlite') as DbKind;
if (DB_KIND !== 'sqlite' && DB_KIND !== 'postgres') throw new Error('OTE_BENCH_DB must be "sqlite" or "postgres"');

function maxOpenFiles(): number {
  const line = fs
    .readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 1024);
}

function memory(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function startHubChild(database: TestDatabase): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'agent-hub.ts')], {
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTE_BENCH_'))),
      OTE_DATA_DIR: database.dataDir,
      ...(database.url ? { OTE_DATABASE_URL: database.url } : {}),
      OTE_ADMIN_USER: ADMIN.user,
      OTE_ADMIN_PASSWORD: ADMIN.password,
      OTE_LOG_LEVEL: process.env.OTE_BENCH_AGENT_LOG ?? 'warn',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error('the hub did not start in 60 s')), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      // The hub's log (stdout) is shown only when asked for (OTE_BENCH_AGENT_LOG=debug).
      if (process.env.OTE_BENCH_AGENT_LOG) process.stderr.write(d);
      if (out.includes('LISTENING')) return;
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`the hub exited with ${code}`)));
  });
  return { child, url };
}

/** One simulated cluster: hello with its nodes, heartbeats with the full node list, acks every desired state. */
class SimCluster {
  ws!: WebSocket;
  lastGeneration = -1;
  /** Called with each desired state as it arrives. */
  onDesired: ((m: DesiredMessage, at: number) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  constructor(
    readonly index: number,
    readonly token: string,
  ) {}

  connect(hubUrl: string): Promise<void> {
    const nodes = nodesOf(this.index, NODES, true);
    const heartbeat = JSON.stringify({ type: 'heartbeat', nodes });
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${hubUrl.replace(/^http/, 'ws')}/v1/agent/connect`, {
        headers: { authorization: `Bearer ${this.token}` },
        perMessageDeflate: false,
      });
      this.ws = ws;
      ws.once('error', reject);
      ws.on('message', (data) => {
        const at = performance.now();
        const m = JSON.parse((data as Buffer).toString()) as DesiredMessage; // ws's default binaryType: a Buffer
        if (m.type !== 'desired') return;
        ws.send(JSON.stringify({ type: 'ack', generation: m.generation, ok: true }));
        this.lastGeneration = m.generation;
        this.onDesired?.(m, at);
        resolve();
      });
      ws.once('open', () => {
        ws.send(
          JSON.stringify({
            type: 'hello',
            protocol: PROTOCOL_VERSION,
            agentVersion: 'bench/1',
            appliedGeneration: null,
            nodes,
            workloads: [],
          }),
        );
        // Spread the heartbeats over the interval, as independent agents would be.
        const start = setTimeout(
          () => {
            this.timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(heartbeat), HEARTBEAT_S * 1000);
          },
          Math.random() * HEARTBEAT_S * 1000,
        );
        this.timer = start;
      });
    });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.ws?.terminate();
  }
}

interface Row {
  clusters: number;
  registerS: number;
  connectS: number;
  rss: number;
  hwm: number;
  cpu: number;
  allAckedMedian: number;
  allAckedMax: number;
  perClusterP50: number;
  perClusterP99: number;
  listClustersMs: number;
  listNodesMs: number;
}

async function runSize(n: number): Promise<Row> {
  const database = await TestDatabase.create(DB_KIND);
  const { child, url } = await startHubChild(database).catch(async (err) => {
    await database.drop();
    throw err;
  });
  const sims: SimCluster[] = [];
  try {
    const admin = (await call(url, 'POST', '/v1/authorization', undefined, ADMIN)).token!;
    let t = performance.now();
    const tokens: string[] = new Array(n);
    await pool(
      Array.from({ length: n }, (_, i) => i),
      16,
      async (i) => {
        tokens[i] = (await call<{ token: string }>(url, 'POST', '/v1/cluster', admin, { clusterName: `bench-${i}` })).data.token;
      },
    );
    const registerS = (performance.now() - t) / 1000;
    t = performance.now();
    for (let i = 0; i < n; i++) sims.push(new SimCluster(i, tokens[i]));
    await pool(sims, 100, (s) => s.connect(url));
    const connectS = (performance.now() - t) / 1000;
    console.error(`  ${n} clusters: registered in ${registerS.toFixed(1)} s, connected and synced in ${connectS.toFixed(1)} s`);

    // Steady heartbeat: let the connect burst settle, then measure a window.
    await sleep(Math.max(5, HEARTBEAT_S) * 1000);
    const pid = child.pid!;
    const c0 = cpuSeconds(pid);
    const w0 = performance.now();
    let rssMax = 0;
    while (performance.now() - w0 < WINDOW_S * 1000) {
      await sleep(1000);
      rssMax = Math.max(rssMax, memory(pid).rss);
    }
    const cpu = (cpuSeconds(pid) - c0) / ((performance.now() - w0) / 1000);
    const { hwm } = memory(pid);

    // What an operator's reads cost at this size: every cluster, and a page of nodes with the fleet-wide ready count.
    const timeGet = async (p: string) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t1 = performance.now();
        const body = await call<unknown[]>(url, 'GET', p, admin);
        times.push(performance.now() - t1);
        if (p.startsWith('/v1/cluster') && body.data.length !== n)
          throw new Error(`GET /v1/cluster listed ${body.data.length} clusters`);
      }
      return times.sort((a, b) => a - b)[2];
    };
    const listClustersMs = await timeGet('/v1/cluster');
    const listNodesMs = await timeGet('/v1/node');

    // Approvals: from the PUT until every cluster has the namespace (and has sent its ack).
    const allAcked: number[] = [];
    const perCluster: number[] = [];
    for (let k = 0; k < APPROVALS; k++) {
      const owner = {
        user: `owner${k}x${n}`,
        password: 'Owner-Passw0rd1',
        phone: '+8613800000000',
        realName: 'Owner',
        isAdmin: true,
      };
      const uid = (await call<{ id: number }>(url, 'POST', '/v1/user', undefined, owner)).data.id;
      await call(url, 'PUT', `/v1/admin/user/${uid}`, admin, { status: 1 });
      const ownerToken = (await call(url, 'POST', '/v1/authorization', undefined, { user: owner.user, password: owner.password }))
        .token!;
      const biz = (
        await call<{ id: number }>(url, 'POST', '/v1/business', ownerToken, {
          name: `bench-biz-${k}-${n}`,
          introduce: 'b',
          objective: 'b',
          scale: '1',
        })
      ).data.id;
      const ns = `ns${biz}`;
      let left = n;
      let t0 = 0;
      const done = new Promise<void>((resolve) => {
        for (const s of sims) {
          s.onDesired = (m, at) => {
            if (!m.state.namespaces.includes(ns)) return;
            s.onDesired = null;
            perCluster.push(at - t0);
            if (--left === 0) resolve();
          };
        }
      });
      t0 = performance.now();
      await call(url, 'PUT', `/v1/business/id/${biz}`, admin, { status: 1, comment: 'bench' });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${left} clusters never got ${ns}`)), 120_000);
      });
      await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
      allAcked.push(performance.now() - t0);
      await sleep(1000);
    }
    allAcked.sort((a, b) => a - b);
    perCluster.sort((a, b) => a - b);
    return {
      clusters: n,
      registerS,
      connectS,
      rss: rssMax,
      hwm,
      cpu,
      allAckedMedian: pct(allAcked, 50),
      allAckedMax: allAcked[allAcked.length - 1],
      perClusterP50: pct(perCluster, 50),
      perClusterP99: pct(perCluster, 99),
      listClustersMs,
      listNodesMs,
    };
  } finally {
    for (const s of sims) s.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r).once('error', r));
    await database.drop();
  }
}

async function main(): Promise<void> {
  const limit = maxOpenFiles();
  const biggest = Math.max(...SIZES);
  if (limit < biggest + 256) {
    console.error(
      `note: the open-file limit is ${limit}; ${biggest} clusters need more than ${biggest} sockets per process. Run \`ulimit -n ${biggest * 2}\` first.`,
    );
  }
  console.error(
    `agent load: ${SIZES.join(', ')} clusters × ${NODES} nodes, heartbeat ${HEARTBEAT_S} s, window ${WINDOW_S} s, ${APPROVALS} approvals`,
  );
  const rows: Row[] = [];
  for (const n of SIZES) rows.push(await runSize(n));
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  console.log(
    `\nHub under agent load (${NODES} nodes per cluster, heartbeat every ${HEARTBEAT_S} s with the full node list; ${DB_KIND === 'postgres' ? 'PostgreSQL' : 'SQLite'}; ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''})\n`,
  );
  console.log(
    '| clusters | register (API) | connect + first sync | hub RSS (steady) | hub peak RSS | hub CPU (steady) | approval → all acked: median | max | per-cluster p50 | per-cluster p99 | GET /v1/cluster (all) | GET /v1/node (page 1) |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.clusters} | ${r.registerS.toFixed(1)} s | ${r.connectS.toFixed(1)} s | ${mib(r.rss)} | ${mib(r.hwm)} | ${(r.cpu * 100).toFixed(1)} % of a core | ${ms(r.allAckedMedian)} | ${ms(r.allAckedMax)} | ${ms(r.perClusterP50)} | ${ms(r.perClusterP99)} | ${ms(r.listClustersMs)} | ${ms(r.listNodesMs)} |`,
    );
  }
  console.log(
    `\n(${APPROVALS} approvals per size: "max" is the p99 of so few samples; a cluster counts when the state with the new namespace reaches it, its ack going out at once; the GETs are medians of 5 as the system administrator. Aim: 5,000 × 20 under 1 GiB and half a core, approval fan-out p99 under 2 s.)`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
