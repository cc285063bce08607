/**
 * The fleet with applications (issue #13): ONE generator process (this one)
 * connects N simulated clusters of M nodes to ONE hub child process over the
 * real agent protocol. A applications run (half on `all`, half on one of 10
 * cluster labels), and every cluster has its own node label, so no two
 * clusters share a desired state. It measures:
 *   - hub RSS and CPU at steady heartbeat (from /proc/<pid>);
 *   - the longest event-loop delay in the hub (perf_hooks.monitorEventLoopDelay)
 *     during a safety-net pass, and during each fan-out below;
 *   - the time from approving an update of one `all` application (a new tag)
 *     until every agent has received it and sent its acknowledgement;
 *   - the bytes one agent received for that change, next to its full state.
 * Prints a markdown table; asserts nothing about time.
 *
 *   OTE_BENCH_FLEET_CLUSTERS  clusters (default 5000)
 *   OTE_BENCH_FLEET_APPS      applications (default 100)
 *   OTE_BENCH_AGENT_NODES     nodes per cluster (default 20)
 *   OTE_BENCH_AGENT_HEARTBEAT heartbeat seconds (default 10)
 *   OTE_BENCH_AGENT_WINDOW    steady-state window, seconds (default 30)
 *   OTE_BENCH_AGENT_APPROVALS updates timed (default 5)
 *   OTE_BENCH_FLEET_DELTA     1 (default): the simulated agents announce the `delta` capability; 0: full states only
 *   OTE_BENCH_DB              sqlite (default) or postgres
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../src/agent-link/protocol.js';
import { type DbKind, TestDatabase } from '../test/helpers/hub.js';
import { ADMIN, call, cpuSeconds, mib, nodesOf, pct, pool, sleep } from './fleet-sim.js';

const CLUSTERS = Number(process.env.OTE_BENCH_FLEET_CLUSTERS ?? 5000);
const APPS = Number(process.env.OTE_BENCH_FLEET_APPS ?? 100);
const NODES = Number(process.env.OTE_BENCH_AGENT_NODES ?? 20);
const HEARTBEAT_S = Number(process.env.OTE_BENCH_AGENT_HEARTBEAT ?? 10);
const WINDOW_S = Number(process.env.OTE_BENCH_AGENT_WINDOW ?? 30);
const UPDATES = Number(process.env.OTE_BENCH_AGENT_APPROVALS ?? 5);
const DELTA = (process.env.OTE_BENCH_FLEET_DELTA ?? '1') !== '0';
const LABELS = 10;
const DB_KIND = (process.env.OTE_BENCH_DB ?? 'sqlite') as DbKind;
if (DB_KIND !== 'sqlite' && DB_KIND !== 'postgres') throw new Error('OTE_BENCH_DB must be "sqlite" or "postgres"');

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024;
}

/** The hub child, with its stdin line commands (bench/agent-hub.ts). */
class HubChild {
  private waiting: { prefix: string; resolve: (line: string) => void }[] = [];
  private constructor(readonly child: ChildProcess) {}

  static async start(database: TestDatabase): Promise<{ hub: HubChild; url: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'agent-hub.ts')], {
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTE_BENCH_'))),
        OTE_DATA_DIR: database.dataDir,
        ...(database.url ? { OTE_DATABASE_URL: database.url } : {}),
        OTE_ADMIN_USER: ADMIN.user,
        OTE_ADMIN_PASSWORD: ADMIN.password,
        OTE_REGISTRY_DOMAIN: 'registry.bench',
        OTE_LOG_LEVEL: process.env.OTE_BENCH_AGENT_LOG ?? 'warn',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const hub = new HubChild(child);
    let out = '';
    child.stdout.setEncoding('utf8');
    const url = new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the hub did not start in 180 s')), 180_000);
      hub.waiting.push({
        prefix: 'LISTENING ',
        resolve: (line) => {
          clearTimeout(t);
          resolve(line.slice('LISTENING '.length));
        },
      });
      child.once('exit', (code) => reject(new Error(`the hub exited with ${code}`)));
    });
    child.stdout.on('data', (d: string) => {
      if (process.env.OTE_BENCH_AGENT_LOG) process.stderr.write(d);
      out += d;
      let i: number;
      while ((i = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, i);
        out = out.slice(i + 1);
        const w = hub.waiting.findIndex((x) => line.startsWith(x.prefix));
        if (w >= 0) hub.waiting.splice(w, 1)[0].resolve(line);
      }
    });
    return { hub, url: await url };
  }

  ask(command: string, answerPrefix: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting.push({ prefix: answerPrefix, resolve });
      this.child.stdin!.write(`${command}\n`);
    });
  }

  async eldMax(): Promise<number> {
    return Number((await this.ask('eld', 'ELD ')).split(' ')[1]);
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await new Promise((r) => this.child.once('exit', r).once('error', r));
  }
}

const FRAME_HEAD = /^\{"type":"(\w+)","generation":(\d+)/;

/**
 * One simulated cluster: hello (announcing deltas unless told not to),
 * heartbeats with the full node list, an ack for every desired state or
 * delta. It does not parse whole frames (the generator shares the hub's two
 * cores): the hub writes type and generation first.
 */
class SimCluster {
  ws!: WebSocket;
  onFrame: ((frame: string, at: number) => void) | null = null;
  lastFullBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  constructor(
    readonly index: number,
    readonly token: string,
  ) {}

  /** Dials until the first desired state arrives: a hub busy with a connect burst may time a handshake out (408), as agents redial. */
  async connect(hubUrl: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.dial(hubUrl);
      } catch (err) {
        if (attempt >= 20) throw err;
        this.close();
        await sleep(1000 + Math.random() * 4000);
      }
    }
  }

  private dial(hubUrl: string): Promise<void> {
    const nodes = nodesOf(this.index, NODES);
    const heartbeat = JSON.stringify({ type: 'heartbeat', nodes });
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${hubUrl.replace(/^http/, 'ws')}/v1/agent/connect`, {
        headers: { authorization: `Bearer ${this.token}` },
        perMessageDeflate: false,
        maxPayload: 256 * 2 ** 20,
      });
      this.ws = ws;
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('closed before the first desired state')));
      ws.on('message', (data) => {
        const at = performance.now();
        // ws hands a Buffer (binaryType 'nodebuffer', its default).
        const frame = (data as Buffer).toString();
        const m = FRAME_HEAD.exec(frame);
        if (!m) return;
        const [, type, generation] = m;
        if (type !== 'desired' && type !== 'delta') return;
        if (type === 'desired') this.lastFullBytes = Buffer.byteLength(frame);
        ws.send(`{"type":"ack","generation":${generation},"ok":true}`);
        this.onFrame?.(frame, at);
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
            ...(DELTA ? { capabilities: ['delta'] } : {}),
          }),
        );
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

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

function appSpec(i: number, tag: string) {
  return {
    appName: `app-${i}`,
    image: `bench/app-${i}`,
    tag,
    replicas: 2,
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    env: { MODE: 'edge', INDEX: String(i), LOG_LEVEL: 'info' },
    args: ['--serve', `--id=${i}`],
    cpu: 0.25,
    memory: 256 * 2 ** 20,
    clusterLabel: i % 2 === 0 ? 'all' : `l${i % LABELS}`,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  console.error(
    `fleet with applications: ${CLUSTERS} clusters × ${NODES} nodes, ${APPS} applications, heartbeat ${HEARTBEAT_S} s, agents ${DELTA ? 'announce deltas' : 'take full states only'}, ${DB_KIND}`,
  );
  const database = await TestDatabase.create(DB_KIND);
  const { hub, url } = await HubChild.start(database).catch(async (err) => {
    await database.drop();
    throw err;
  });
  const sims: SimCluster[] = [];
  const log = (what: string) => console.error(`  [${((performance.now() - started) / 1000).toFixed(0)} s] ${what}`);
  try {
    const admin = (await call(url, 'POST', '/v1/authorization', undefined, ADMIN)).token!;
    const tokens: string[] = new Array(CLUSTERS);
    await pool(
      Array.from({ length: CLUSTERS }, (_, i) => i),
      16,
      async (i) => {
        tokens[i] = (await call(url, 'POST', '/v1/cluster', admin, { clusterName: `bench-${i}` })).data.token;
      },
    );
    for (let k = 0; k < LABELS; k++) {
      const names = Array.from({ length: CLUSTERS }, (_, i) => i)
        .filter((i) => i % LABELS === k)
        .map((i) => `bench-${i}`);
      for (let j = 0; j < names.length; j += 1000) {
        await call(url, 'POST', '/v1/cluster/label', admin, { clusterLabel: `l${k}`, clusterName: names.slice(j, j + 1000) });
      }
    }
    log(`${CLUSTERS} clusters registered and labelled`);

    const owner = { user: 'fleetowner', password: 'Owner-Passw0rd1', phone: '+8613800000000', realName: 'Owner', isAdmin: true };
    const uid = (await call(url, 'POST', '/v1/user', undefined, owner)).data.id;
    await call(url, 'PUT', `/v1/admin/user/${uid}`, admin, { status: 1 });
    const ownerToken = (await call(url, 'POST', '/v1/authorization', undefined, { user: owner.user, password: owner.password }))
      .token!;
    const biz = (
      await call(url, 'POST', '/v1/business', ownerToken, { name: 'fleet-biz', introduce: 'b', objective: 'b', scale: '1' })
    ).data.id;
    await call(url, 'PUT', `/v1/business/id/${biz}`, admin, { status: 1, comment: 'bench' });
    const appIds: number[] = [];
    for (let i = 0; i < APPS; i++) {
      const id = (await call(url, 'POST', '/v1/app', ownerToken, appSpec(i, 'v0'))).data.id as number;
      await call(url, 'PUT', `/v1/app/${id}/audit`, admin, { status: 1, comment: 'bench' });
      appIds.push(id);
    }
    log(`${APPS} applications running`);

    let t = performance.now();
    for (let i = 0; i < CLUSTERS; i++) sims.push(new SimCluster(i, tokens[i]));
    await pool(sims, 100, (s) => s.connect(url));
    const connectS = (performance.now() - t) / 1000;
    log(`connected and synced in ${connectS.toFixed(1)} s`);
    // Every cluster its own node label: no two desired states are equal.
    t = performance.now();
    await pool(sims, 16, async (s) => {
      await call(url, 'POST', '/v1/node/label', admin, {
        nodeLabel: `n${s.index}`,
        clusterName: `bench-${s.index}`,
        nodeName: [`c${s.index}-node-0`],
      });
    });
    const labelS = (performance.now() - t) / 1000;
    log(`node labels set in ${labelS.toFixed(1)} s`);

    await sleep(Math.max(5, HEARTBEAT_S) * 1000);
    const pid = hub.child.pid!;
    await hub.ask('eld-reset', 'ELD-RESET');
    const c0 = cpuSeconds(pid);
    const w0 = performance.now();
    let rss = 0;
    while (performance.now() - w0 < WINDOW_S * 1000) {
      await sleep(1000);
      rss = Math.max(rss, rssOf(pid));
    }
    const cpu = (cpuSeconds(pid) - c0) / ((performance.now() - w0) / 1000);
    const steadyEld = await hub.eldMax();
    log(`steady state: RSS ${mib(rss)}, CPU ${(cpu * 100).toFixed(1)} %, longest event-loop delay ${steadyEld} ms`);

    const resync = (await hub.ask('resync', 'RESYNC ')).split(' ').map(Number);
    log(`safety-net pass: ${resync[1]} ms, longest event-loop delay ${resync[2]} ms`);

    const total: number[] = [];
    const perCluster: number[] = [];
    const fanoutEld: number[] = [];
    const bytes: number[] = [];
    const target = appIds[0]; // app-0: clusterLabel "all"
    for (let k = 1; k <= UPDATES; k++) {
      const tag = `v${k}`;
      await call(url, 'PUT', `/v1/app/${target}`, ownerToken, appSpec(0, tag));
      const needle = `"image":"registry.bench/bench/app-0:${tag}"`;
      let left = CLUSTERS;
      let t0 = 0;
      const done = new Promise<void>((resolve) => {
        for (const s of sims) {
          s.onFrame = (frame, at) => {
            if (!frame.includes(needle)) return;
            s.onFrame = null;
            perCluster.push(at - t0);
            if (s.index === 0) bytes.push(Buffer.byteLength(frame));
            if (--left === 0) resolve();
          };
        }
      });
      await hub.ask('eld-reset', 'ELD-RESET');
      t0 = performance.now();
      await call(url, 'PUT', `/v1/app/${target}/audit`, admin, { status: 1, comment: 'bench' });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${left} clusters never got ${tag}`)), 300_000);
      });
      await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
      total.push(performance.now() - t0);
      await sleep(500);
      fanoutEld.push(await hub.eldMax());
      log(
        `update ${k}: all ${CLUSTERS} acknowledged in ${total[total.length - 1].toFixed(0)} ms; longest event-loop delay ${fanoutEld[fanoutEld.length - 1]} ms`,
      );
      await sleep(1000);
    }
    total.sort((a, b) => a - b);
    perCluster.sort((a, b) => a - b);
    fanoutEld.sort((a, b) => a - b);
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    const fullBytes = sims[0].lastFullBytes;
    const changeBytes = bytes.sort((a, b) => a - b)[Math.floor(bytes.length / 2)];
    console.log(
      `\nFleet with applications (${CLUSTERS} clusters × ${NODES} nodes, ${APPS} applications: half on "all", half on one of ${LABELS} labels; every cluster its own node label; heartbeat ${HEARTBEAT_S} s; agents ${DELTA ? 'announce deltas' : 'full states only'}; ${DB_KIND === 'postgres' ? 'PostgreSQL' : 'SQLite'}; ${os.cpus().length} CPUs, load average before ${os.loadavg()[0].toFixed(1)})\n`,
    );
    console.log('| measurement | value |');
    console.log('|---|---:|');
    const rows: [string, string][] = [
      ['connect + first sync of every agent', `${connectS.toFixed(1)} s`],
      [`one node label per cluster (${CLUSTERS} API calls, 16 in flight)`, `${labelS.toFixed(1)} s`],
      ['hub RSS (steady)', mib(rss)],
      ['hub CPU (steady)', `${(cpu * 100).toFixed(1)} % of a core`],
      ['longest event-loop delay, steady window', `${steadyEld} ms`],
      ['safety-net pass: duration', `${resync[1]} ms`],
      ['safety-net pass: longest event-loop delay', `${resync[2]} ms`],
      [`update of one "all" app → all acknowledged: median (of ${UPDATES})`, ms(pct(total, 50))],
      ['… p99', ms(pct(total, 99))],
      ['… max', ms(total[total.length - 1])],
      ['per-cluster delivery p50 / p99', `${ms(pct(perCluster, 50))} / ${ms(pct(perCluster, 99))}`],
      ['longest event-loop delay during a fan-out (max of the updates)', `${fanoutEld[fanoutEld.length - 1]} ms`],
      ['bytes to one agent for the change', `${kib(changeBytes)}`],
      ['its full state (baseline)', `${kib(fullBytes)}`],
      ['change / full state', `${((100 * changeBytes) / fullBytes).toFixed(2)} %`],
    ];
    for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  } finally {
    for (const s of sims) s.close();
    await hub.stop();
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
