/**
 * The console's budget (issue #15), printed by `npm run bench`:
 *   1. the initial JavaScript of the console (what index.html loads before the
 *      first page renders), gzip, next to everything the build holds;
 *   2. time to interactive of the cluster page with 5,000 clusters — from
 *      navigation start until the first page of rows is on screen — and the
 *      time to flip to the next page (server-side paging), against the hub's
 *      own /docs page (Swagger UI) loaded in the same browser in the same run
 *      until its operations are on screen.
 * Real Chromium (Debian's, driven by playwright-core), a real hub over SQLite
 * on loopback. Timing never fails the run; a wrong page does.
 *
 * Settings: OTE_BENCH_CONSOLE_CLUSTERS (5000), OTE_BENCH_CONSOLE_REPS (5).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config/config.js';
import { createHub } from '../src/server/app.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(REPO, 'web', 'dist');
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const CLUSTERS = Number(process.env.OTE_BENCH_CONSOLE_CLUSTERS ?? 5000);
const REPS = Number(process.env.OTE_BENCH_CONSOLE_REPS ?? 5);
const ADMIN_PASSWORD = 'Bench-Passw0rd';

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

function bundle() {
  const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  const gz = (f: string) => gzipSync(fs.readFileSync(path.join(DIST, f))).length;
  const js = initial.filter((f) => f.endsWith('.js'));
  const css = initial.filter((f) => f.endsWith('.css'));
  const all = fs.readdirSync(path.join(DIST, 'assets')).filter((f) => f.endsWith('.js'));
  return {
    initialJs: js.reduce((a, f) => a + gz(f), 0),
    initialJsRaw: js.reduce((a, f) => a + fs.statSync(path.join(DIST, f)).size, 0),
    initialCss: css.reduce((a, f) => a + gz(f), 0),
    allJs: all.reduce((a, f) => a + gz(`assets/${f}`), 0),
    chunks: all.length,
  };
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error('web/dist is missing: run `npm run build` first');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (scripts/provision.sh installs it)`);
  const b = bundle();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-bench-console-'));
  const hub = await createHub(
    loadConfig({ OTE_DATA_DIR: dir, OTE_ADMIN_PASSWORD: ADMIN_PASSWORD, OTE_LOG_LEVEL: 'silent', OTE_PORT: '0' }),
    { logger: false },
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const url = await hub.app.listen({ host: '127.0.0.1', port: 0 });
    const call = async (method: string, p: string, token: string | null, body?: unknown) => {
      const res = await fetch(`${url}${p}`, {
        method,
        headers: { ...(token ? { authorization: token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ token?: string; total?: number }>;
    };
    const token = (await call('POST', '/v1/authorization', null, { user: 'admin', password: ADMIN_PASSWORD })).token!;
    const started = Date.now();
    // Registered through the API, as an operator would, 8 at a time.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < CLUSTERS) {
          const i = next++;
          await call('POST', '/v1/cluster', token, { clusterName: `bench-${String(i).padStart(5, '0')}` });
        }
      }),
    );
    const total = (await call('GET', '/v1/cluster?pageSize=1', token)).total;
    if (total !== CLUSTERS) throw new Error(`the hub lists ${total} clusters, not ${CLUSTERS}`);
    console.error(`console bench: ${CLUSTERS} clusters registered in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const tti: number[] = [];
    const flip: number[] = [];
    const docs: number[] = [];
    let docsJs = 0;
    for (let r = 0; r < REPS + 1; r++) {
      // Alternate subject and baseline; the first round warms the hub and the disk cache and is not counted.
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await ctx.addInitScript(`sessionStorage.setItem('ote.token', ${JSON.stringify(token)})`);
      const page = await ctx.newPage();
      await page.goto(`${url}/clusters`);
      await page.locator('tr[data-row]').nth(19).waitFor({ timeout: 60_000 });
      const t1 = await page.evaluate(() => performance.now());
      const text = await page.getByTestId('cluster-total').innerText();
      if (text !== String(CLUSTERS)) throw new Error(`the cluster page shows ${text} clusters`);
      const f0 = await page.evaluate(() => performance.now());
      await page.getByRole('button', { name: 'next page' }).click();
      await page.locator('tr[data-row="bench-00020"]').waitFor({ timeout: 60_000 });
      const f1 = await page.evaluate(() => performance.now());
      await ctx.close();

      const dctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const dpage = await dctx.newPage();
      await dpage.goto(`${url}/docs`);
      await dpage.locator('.opblock').first().waitFor({ timeout: 60_000 });
      const d1 = await dpage.evaluate(() => performance.now());
      docsJs = await dpage.evaluate<number>(
        "performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js')).reduce((a, e) => a + e.encodedBodySize, 0)",
      );
      await dctx.close();
      if (r === 0) continue;
      tti.push(t1);
      flip.push(f1 - f0);
      docs.push(d1);
    }

    const ratio = median(tti.map((t, i) => t / docs[i]));
    const lines = [
      '',
      `## Console budget (${os.cpus().length} cores, ${CLUSTERS} clusters, ${REPS} repetitions, Chromium ${browser.version()})`,
      '',
      '| what | console | baseline: /docs (Swagger UI) | ratio |',
      '|---|---|---|---|',
      `| initial JavaScript, gzip | ${kib(b.initialJs)} (${kib(b.initialJsRaw)} raw; CSS ${kib(b.initialCss)} gzip) | ${kib(docsJs)} as served (not compressed) | — |`,
      `| all JavaScript of the build, gzip | ${kib(b.allJs)} in ${b.chunks} chunks (pages and charts load on demand) | — | — |`,
      `| time to interactive, ms: median (min–max) | ${median(tti).toFixed(0)} (${range(tti)}) — cluster page, first 20 of ${CLUSTERS} rows on screen | ${median(docs).toFixed(0)} (${range(docs)}) — operations on screen | ${ratio.toFixed(2)} |`,
      `| next page of clusters, ms | ${median(flip).toFixed(0)} (${range(flip)}) | — | — |`,
      '',
      'Time to interactive is measured from navigation start (performance.now()) in a fresh browser context each time; the first round is a warm-up.',
    ];
    console.log(lines.join('\n'));
  } finally {
    await browser.close();
    await hub.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
