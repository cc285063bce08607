/**
 * `npm run bench` (issue #2): what the hub costs on this machine, each number
 * next to a baseline measured in the same run.
 *   1. logins/s through the real HTTP server vs raw argon2id verifications/s
 *      (same parameters, same concurrency: both run on libuv's threadpool);
 *   2. GET /v1/admin/user (a page of 10 of 10,000 users) and GET /v1/cluster
 *      (a page of 10 of 1,000 clusters), each vs a minimal hand-written handler
 *      doing the same necessary work on the same database (bench/minimal.ts:
 *      token check, one prepared statement for session + user, one for the
 *      page, one for the count, same envelope), with the same autocannon settings;
 *   3. a bare Fastify route answering the user page's JSON (the framework's floor);
 *   4. GET /healthz p99 (one connection) while six `pageSize=0` audit listings
 *      of 100,000 rows run, vs /healthz p99 on the idle hub (issue 11: a
 *      listing must not hold the event loop).
 * The machine is shared and noisy: every measurement is repeated, the
 * subject and its baseline alternate within each repetition, and the table
 * gives medians, min–max and the median of the per-repetition ratios. Timing
 * never fails the run; a wrong answer (non-2xx, errors) does, since it would
 * make the numbers meaningless.
 *
 * Settings: OTE_BENCH_DB=sqlite|postgres, OTE_BENCH_REPS (5), OTE_BENCH_SECONDS (3),
 * OTE_BENCH_WARMUP (1), OTE_BENCH_CONNECTIONS (8).
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { verify } from '@node-rs/argon2';
import autocannon, { type Instance } from 'autocannon';
import { ARGON2_PARAMS, hashPassword } from '../src/auth/passwords.js';
import { ADMIN, type DbKind, TestDatabase } from '../test/helpers/hub.js';
import {
  AUDIT_ROWS,
  BARE_PATH,
  CLUSTER_LIST_PATH,
  PARALLEL_LISTINGS,
  TOTAL_CLUSTERS,
  TOTAL_USERS,
  USER_LIST_PATH,
} from './common.js';

function intSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

const DB_KIND = (process.env.OTE_BENCH_DB ?? 'sqlite') as DbKind;
if (DB_KIND !== 'sqlite' && DB_KIND !== 'postgres') throw new Error('OTE_BENCH_DB must be "sqlite" or "postgres"');
const REPS = intSetting('OTE_BENCH_REPS', 5, 1, 50);
const SECONDS = intSetting('OTE_BENCH_SECONDS', 3, 1, 60);
const WARMUP = intSetting('OTE_BENCH_WARMUP', 1, 0, 60);
const CONNECTIONS = intSetting('OTE_BENCH_CONNECTIONS', 8, 1, 1000);
const SERVER_START_TIMEOUT_MS = 120_000;
const SERVER_STOP_TIMEOUT_MS = 15_000;

const progress = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

// --- what this process started, so that cleanup stops exactly that ---

const children = new Set<ChildProcess>();
let database: TestDatabase | undefined;
let running: Instance | undefined;
let cleaning: Promise<void> | undefined;

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  children.delete(child);
}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    running?.stop();
    await Promise.allSettled([...children].map(stopChild));
    // After the hub is gone, so that PostgreSQL has no open connection left to drop.
    await database?.drop();
  })();
  return cleaning;
}

/** Starts bench/server.ts in a child process and waits for its address. */
function startServer(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.ts');
  // fork() keeps this process's execArgv, so the child runs TypeScript through tsx too.
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server ${args[0]} did not start in ${SERVER_START_TIMEOUT_MS / 1000} s`)),
      SERVER_START_TIMEOUT_MS,
    );
    child.once('message', (msg: { url: string }) => {
      clearTimeout(timer);
      resolve({ url: msg.url, child });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server ${args[0]} exited (${signal ?? code}) before it was ready`));
    });
  });
}

// --- measurements ---

interface Sample {
  /** Completed operations per second. */
  readonly rate: number;
  /** Median latency in ms (HTTP only). */
  readonly p50?: number;
  /** 99th percentile latency in ms (HTTP only). */
  readonly p99?: number;
  /** Whole audit listings completed during the measurement (the health-under-listings one). */
  readonly listings?: number;
  /** Server CPU time per request in µs (HTTP only): robust to other load on the machine. */
  readonly cpu?: number;
}

/** The server child's CPU time so far (user + system, µs). */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no CPU reading from a server child')), 30_000);
    const onMessage = (msg: { cpuMicros?: number }) => {
      if (typeof msg.cpuMicros !== 'number') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(msg.cpuMicros);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

type HttpTarget = { url: string; method?: string; headers?: Record<string, string>; body?: string; child: ChildProcess };

async function http(target: HttpTarget, seconds: number, connections = CONNECTIONS): Promise<Sample> {
  const { child, ...request } = target;
  const cpuBefore = await cpuOf(child);
  running = autocannon({ ...request, connections, duration: seconds });
  const r = await running;
  const cpuAfter = await cpuOf(child);
  running = undefined;
  if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0) {
    const codes = Object.entries(r.statusCodeStats)
      .map(([code, s]) => `${code}×${s.count}`)
      .join(', ');
    throw new Error(`${target.method ?? 'GET'} ${target.url}: ${r.errors} errors, ${r.timeouts} timeouts, status codes ${codes}`);
  }
  return {
    rate: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpu: (cpuAfter - cpuBefore) / r.requests.total,
  };
}

/** /healthz on one connection while `PARALLEL_LISTINGS` loops each fetch the whole audit log over and over. */
async function healthUnderListings(health: HttpTarget, listUrl: string, token: string, seconds: number): Promise<Sample> {
  let stop = false;
  let listings = 0;
  const loop = async () => {
    while (!stop) {
      // Drained, not parsed: parsing 6 × 100k rows here would load the measuring process
      // (the answer was checked whole once before the measurements).
      const res = await fetch(listUrl, { headers: { authorization: token } });
      if (res.status !== 200 || !res.body) throw new Error(`audit listing: ${res.status}`);
      let bytes = 0;
      for await (const chunk of res.body) bytes += (chunk as Uint8Array).length;
      if (bytes < AUDIT_ROWS * 100) throw new Error(`audit listing: only ${bytes} bytes`);
      listings++;
    }
  };
  const loops = Array.from({ length: PARALLEL_LISTINGS }, loop);
  try {
    const sample = await http(health, seconds, 1);
    return { ...sample, listings };
  } finally {
    stop = true;
    await Promise.all(loops);
  }
}

/**
 * `concurrency` verifications always in flight for `seconds`; counts the completed ones.
 * Runs in this process, which does nothing else meanwhile (autocannon is idle between
 * measurements): its CPU time per verification is comparable to a login's in the hub.
 */
async function argon2(hash: string, password: string, seconds: number): Promise<Sample> {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < end) {
      if (!(await verify(hash, password))) throw new Error('argon2 verify rejected the right password');
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  return { rate: done / ((performance.now() - start) / 1000), cpu: (cpu.user + cpu.system) / done };
}

// --- statistics and the table ---

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmtRate = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const fmtRatio = (x: number) => (x >= 0.1 ? x.toFixed(2) : x.toFixed(3));

function rateRow(label: string, samples: readonly Sample[]): string {
  const rates = samples.map((s) => s.rate);
  const p50s = samples.flatMap((s) => (s.p50 === undefined ? [] : [s.p50]));
  // autocannon records latencies in whole milliseconds.
  const p50 = median(p50s);
  const latency = p50s.length === 0 ? '—' : p50 < 1 ? '< 1 ms' : `${Math.round(p50)} ms`;
  const cpus = samples.flatMap((s) => (s.cpu === undefined ? [] : [s.cpu]));
  const cpu = cpus.length === 0 ? '—' : `${Math.round(median(cpus))} µs`;
  return `| ${label} | ${fmtRate(median(rates))}/s | ${fmtRate(Math.min(...rates))}–${fmtRate(Math.max(...rates))} | ${latency} | ${cpu} |`;
}

/** A latency line: median (min–max) of the per-repetition p99 (target: under ~50 ms under load). */
function p99Row(label: string, samples: readonly Sample[]): string {
  const p99s = samples.map((s) => s.p99 ?? Number.NaN);
  const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;
  // No CPU per request: under the listings the hub's CPU time is the listings', not /healthz's.
  return `| ${label} | p99 ${ms(median(p99s))} | ${ms(Math.min(...p99s))}–${ms(Math.max(...p99s))} | ${ms(median(samples.map((s) => s.p50 ?? 0)))} | — |`;
}

/** Ratios of the paired repetitions (subject and baseline measured back to back). */
function ratioRow(label: string, subject: readonly Sample[], baseline: readonly Sample[]): string {
  const ratios = subject.map((s, i) => s.rate / baseline[i].rate);
  // The same ratio from CPU time per request (baseline's cost / subject's cost).
  const cpuRatios = subject.flatMap((s, i) => (s.cpu && baseline[i].cpu ? [baseline[i].cpu / s.cpu] : []));
  const cpu = cpuRatios.length === 0 ? '' : `**${fmtRatio(median(cpuRatios))}**`;
  return `| **${label}** | **${fmtRatio(median(ratios))}** | ${fmtRatio(Math.min(...ratios))}–${fmtRatio(Math.max(...ratios))} | | ${cpu} |`;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  progress(`starting a hub on ${DB_KIND} with ${TOTAL_USERS.toLocaleString('en-US')} users`);
  database = await TestDatabase.create(DB_KIND);
  const hub = await startServer(['hub', database.dataDir, database.url ?? '']);

  const login = await fetch(`${hub.url}/v1/authorization`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: ADMIN.user, password: ADMIN.password }),
  });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${await login.text()}`);
  const token = ((await login.json()) as { token: string }).token;

  const listRes = await fetch(hub.url + USER_LIST_PATH, { headers: { authorization: token } });
  const listText = await listRes.text();
  const list = JSON.parse(listText) as { data: unknown[]; total: number };
  if (listRes.status !== 200 || list.data.length !== 10 || list.total !== TOTAL_USERS) {
    throw new Error(`unexpected user page: ${listRes.status} ${listText.slice(0, 200)}`);
  }

  // The bare route answers the very same page, so both serialize the same JSON.
  const pageFile = path.join(database.dataDir, 'bench-page.json');
  fs.writeFileSync(pageFile, listText);
  const bare = await startServer(['bare', pageFile]);
  const bareText = await (await fetch(bare.url + BARE_PATH)).text();
  if (bareText.length !== listText.length) throw new Error('the bare route does not answer the same JSON');

  // The minimal handlers must answer exactly what the hub answers, or the comparison means nothing.
  const minimal = await startServer(['minimal', database.dataDir, database.url ?? '']);
  for (const p of [USER_LIST_PATH, CLUSTER_LIST_PATH]) {
    const [a, b] = await Promise.all(
      [hub.url, minimal.url].map(async (base) => {
        const res = await fetch(base + p, { headers: { authorization: token } });
        if (res.status !== 200) throw new Error(`${base}${p}: ${res.status} ${await res.text()}`);
        return res.text();
      }),
    );
    if (a !== b)
      throw new Error(`the minimal handler answers ${p} differently:\nhub:     ${a.slice(0, 300)}\nminimal: ${b.slice(0, 300)}`);
  }
  const clusterPage = JSON.parse(
    await (await fetch(hub.url + CLUSTER_LIST_PATH, { headers: { authorization: token } })).text(),
  ) as {
    data: unknown[];
    total: number;
  };
  if (clusterPage.data.length !== 10 || clusterPage.total !== TOTAL_CLUSTERS) throw new Error('unexpected cluster page');

  // Same parameters as every stored hash (src/auth/passwords.ts).
  const hash = await hashPassword(ADMIN.password);

  const targets = {
    login: {
      url: `${hub.url}/v1/authorization`,
      child: hub.child,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: ADMIN.user, password: ADMIN.password }),
    },
    list: { child: hub.child, url: hub.url + USER_LIST_PATH, headers: { authorization: token } },
    minimalList: { child: minimal.child, url: minimal.url + USER_LIST_PATH, headers: { authorization: token } },
    clusters: { child: hub.child, url: hub.url + CLUSTER_LIST_PATH, headers: { authorization: token } },
    minimalClusters: { child: minimal.child, url: minimal.url + CLUSTER_LIST_PATH, headers: { authorization: token } },
    bare: { child: bare.child, url: bare.url + BARE_PATH },
    health: { child: hub.child, url: `${hub.url}/healthz` },
  };
  const auditAll = `${hub.url}/v1/admin/audit?pageSize=0`;
  const whole = (await (await fetch(auditAll, { headers: { authorization: token } })).json()) as {
    total: number;
    data: unknown[];
  };
  if (whole.total < AUDIT_ROWS || whole.data.length !== whole.total) {
    throw new Error(`unexpected audit listing: ${whole.data.length} of ${whole.total} rows`);
  }
  const measure = {
    argon2: (s: number) => argon2(hash, ADMIN.password, s),
    login: (s: number) => http(targets.login, s),
    bare: (s: number) => http(targets.bare, s),
    list: (s: number) => http(targets.list, s),
    // The user list once more, back to back with the bare route.
    listAgain: (s: number) => http(targets.list, s),
    minimalList: (s: number) => http(targets.minimalList, s),
    clusters: (s: number) => http(targets.clusters, s),
    minimalClusters: (s: number) => http(targets.minimalClusters, s),
    healthIdle: (s: number) => http(targets.health, s, 1),
    healthBusy: (s: number) => healthUnderListings(targets.health, auditAll, token, s),
  };
  type Name = keyof typeof measure;
  const pairs: [Name, Name][] = [
    ['argon2', 'login'],
    ['minimalList', 'list'],
    ['minimalClusters', 'clusters'],
    ['bare', 'listAgain'],
    ['healthIdle', 'healthBusy'],
  ];

  if (WARMUP > 0) {
    progress(`warm-up, ${WARMUP} s each`);
    for (const name of Object.keys(measure) as Name[]) if (name !== 'listAgain') await measure[name](WARMUP);
  }
  const samples = Object.fromEntries(Object.keys(measure).map((n) => [n, [] as Sample[]])) as Record<Name, Sample[]>;
  for (let rep = 0; rep < REPS; rep++) {
    progress(`repetition ${rep + 1}/${REPS} (${SECONDS} s per measurement)`);
    for (const pair of pairs) {
      // Alternate which of a pair goes first, so a drift in the machine's load favours neither.
      const order = rep % 2 === 0 ? pair : ([pair[1], pair[0]] as const);
      for (const name of order) samples[name].push(await measure[name](SECONDS));
    }
  }

  const dbLabel =
    DB_KIND === 'sqlite' ? 'SQLite (temp data dir, WAL, synchronous=FULL)' : 'PostgreSQL (127.0.0.1, temp database, pool of 10)';
  const threadpool = process.env.UV_THREADPOOL_SIZE ?? '4 (default)';
  const elapsed = Math.round((performance.now() - startedAt) / 1000);
  const lines = [
    `### OTE hub benchmark (\`npm run bench\`)`,
    '',
    `- machine: ${os.availableParallelism()} cores (os.availableParallelism()), ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.arch()}`,
    `- Node ${process.version}, libuv threadpool ${threadpool}; database: ${dbLabel}`,
    `- ${REPS} repetitions × ${SECONDS} s per measurement after a ${WARMUP} s warm-up; ${CONNECTIONS} autocannon connections (and ${CONNECTIONS} verifications in flight); hub and bare server in child processes; ${elapsed} s in all`,
    `- ratios: median (min–max) of the per-repetition ratios, subject and baseline measured back to back; the last column gives the server process's CPU time per request (median) and, for ratios, baseline CPU / subject CPU — the figure to trust when the machine is loaded`,
    `- load average when done: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} (a shared machine: latencies include time the hub was not scheduled)`,
    '',
    '| measurement | median | min–max | p50 latency | server CPU per request (ratio: by CPU) |',
    '|---|---:|---:|---:|---:|',
    rateRow(
      `raw argon2id \`verify\` (m=${ARGON2_PARAMS.memoryCost} KiB, t=${ARGON2_PARAMS.timeCost}, p=${ARGON2_PARAMS.parallelism})`,
      samples.argon2,
    ),
    rateRow('`POST /v1/authorization` (login of the system admin)', samples.login),
    ratioRow('logins / raw verifications', samples.login, samples.argon2),
    rateRow('minimal handler `GET /v1/admin/user` (bench/minimal.ts)', samples.minimalList),
    rateRow(`\`GET /v1/admin/user\` (page of 10 of ${TOTAL_USERS.toLocaleString('en-US')} users, admin token)`, samples.list),
    ratioRow('admin/user / minimal handler', samples.list, samples.minimalList),
    rateRow('minimal handler `GET /v1/cluster` (bench/minimal.ts)', samples.minimalClusters),
    rateRow(
      `\`GET /v1/cluster\` (page of 10 of ${TOTAL_CLUSTERS.toLocaleString('en-US')} clusters, admin token)`,
      samples.clusters,
    ),
    ratioRow('cluster / minimal handler', samples.clusters, samples.minimalClusters),
    rateRow(`bare Fastify \`GET\` (the user page's ${listText.length}-byte JSON)`, samples.bare),
    ratioRow('admin/user / bare Fastify', samples.listAgain, samples.bare),
    p99Row('`GET /healthz` alone (baseline, 1 connection)', samples.healthIdle),
    p99Row(
      `\`GET /healthz\` while ${PARALLEL_LISTINGS} \`pageSize=0\` audit listings of ${AUDIT_ROWS.toLocaleString('en-US')} rows run (${fmtRate(median(samples.healthBusy.map((s) => s.listings ?? 0)) / SECONDS)} listings/s)`,
      samples.healthBusy,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    // Exits whether or not the cleanup succeeded: the signal ends the run either way.
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  console.error(err);
} finally {
  await cleanup();
}
