/**
 * What a /metrics scrape costs a hub of a large fleet (issue #12: under 20 ms at 5,000
 * clusters): the fleet-wide figures (aggregate queries over clusters, nodes,
 * applications and pending reviews) alone and per query, and a whole scrape over HTTP,
 * against a same-run baseline (`select 1`, GET /healthz). Seeds a temporary database
 * directly: C clusters of 20 nodes (80% connected, 5% paused, 5% never connected),
 * 20 applications on every cluster. Prints a markdown table; asserts nothing about time.
 *
 *   OTE_BENCH_METRICS_CLUSTERS  comma-separated sizes (default "1000,5000")
 *   OTE_BENCH_DB                sqlite (default) or postgres
 *
 *   node --import tsx bench/metrics.ts
 */
import os from 'node:os';
import { sql } from 'kysely';
import { appFigureRows } from '../src/apps/store.js';
import { clusterFigures } from '../src/clusters/store.js';
import { loadConfig } from '../src/config/config.js';
import { nodeFigures } from '../src/nodes/store.js';
import { createHub } from '../src/server/app.js';
import { fleetFigures } from '../src/server/metrics.js';
import type { DbKind } from '../test/helpers/hub.js';
import { clusterValues, medianTime, seedApplication, seedBusiness, withBenchDatabase } from './common.js';

const SIZES = (process.env.OTE_BENCH_METRICS_CLUSTERS ?? '1000,5000').split(',').map(Number);
const DB_KIND = (process.env.OTE_BENCH_DB ?? 'sqlite') as DbKind;
const NODES = 20;
const APPS = 20;
const RUNS = 21;

const time = (fn: () => Promise<unknown>, runs = RUNS, gapMs = 0) => medianTime(fn, runs, gapMs);

const rows: string[] = [];
for (const clusters of SIZES) {
  await withBenchDatabase(DB_KIND, async (db, tdb) => {
    const k = db.kysely;
    const now = Math.floor(Date.now() / 1000);
    const businessId = await seedBusiness(k, now);
    const ids: number[] = [];
    await k.transaction().execute(async (trx) => {
      for (let i = 0; i < clusters; i++) {
        const never = i % 20 === 0;
        const r = await trx
          .insertInto('clusters')
          .values({
            ...clusterValues(i, now),
            paused: i % 20 === 1 ? 1 : 0,
            session_id: never || i % 10 === 9 ? null : `s${i}`,
            last_heartbeat: never ? null : now,
            generation: 1,
            acked_generation: i % 50 === 2 ? 0 : 1,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids.push(r.id);
      }
      const node = (cluster: number, j: number) => ({
        cluster_id: cluster,
        name: `n${j}`,
        os_image: 'Debian GNU/Linux 12',
        kernel_version: '6.1.0',
        internal_ip: '10.0.0.1',
        cpu: 4,
        memory: 17179869184,
        disk: 107374182400,
        gpu_count: 0,
        gpu_memory_mib: null,
        ready: j === 0 ? 0 : 1,
        k8s_labels: '{}',
        update_time: now,
      });
      const batch: ReturnType<typeof node>[] = [];
      for (const id of ids) {
        for (let j = 0; j < NODES; j++) batch.push(node(id, j));
        if (batch.length >= 500) await trx.insertInto('nodes').values(batch.splice(0)).execute();
      }
      if (batch.length > 0) await trx.insertInto('nodes').values(batch.splice(0)).execute();
      for (let a = 0; a < APPS; a++) {
        const appId = await seedApplication(trx, { businessId, name: `app${a}`, label: 'all', spec: {}, now });
        const placed = ids.map((cluster_id, i) => ({
          app_id: appId,
          cluster_id,
          revision: 1,
          generation: 1,
          observed_generation: 1,
          desired_replicas: 2,
          updated_replicas: 2,
          ready_replicas: 2,
          available_replicas: i % 100 === a ? 1 : 2,
          reported: 1,
          reported_revision: 1,
          assigned_time: now - 60,
          update_time: now,
        }));
        for (let i = 0; i < placed.length; i += 500)
          await trx
            .insertInto('app_clusters')
            .values(placed.slice(i, i + 500))
            .execute();
      }
    });
    if (db.dialect === 'postgres') await sql`analyze`.execute(k);
    const baseline = await time(() => sql`select 1`.execute(k));
    const figures = await time(() => fleetFigures(k, 40));
    const perCluster = await time(() => clusterFigures(k, now - 40));
    const perNode = await time(() => nodeFigures(k, now - 40));
    const perApp = await time(() => appFigureRows(k, now - 600));
    const sample = await fleetFigures(k, 40);

    const hub = await createHub(
      loadConfig({
        OTE_DATA_DIR: tdb.dataDir,
        OTE_ADMIN_PASSWORD: 'Bench-Passw0rd',
        OTE_LOG_LEVEL: 'silent',
        ...(tdb.url ? { OTE_DATABASE_URL: tdb.url } : {}),
      }),
    );
    const url = await hub.app.listen({ host: '127.0.0.1', port: 0 });
    const healthz = await time(() => fetch(`${url}/healthz`).then((r) => r.text()), 11);
    // Spaced like (fast) scrapes: the first waits for the figures, later ones get the last ones and refresh them behind.
    const scrape = await time(() => fetch(`${url}/metrics`).then((r) => r.text()), 7, 1100);
    await hub.close();
    rows.push(
      `| ${clusters} | ${clusters * NODES} | ${clusters * APPS} | ${baseline.toFixed(2)} | ${perCluster.toFixed(1)} | ${perNode.toFixed(1)} | ${perApp.toFixed(1)} | ${figures.toFixed(1)} | ${healthz.toFixed(1)} | ${scrape.toFixed(1)} |`,
    );
    console.error(`${clusters} clusters: ${JSON.stringify(sample)}`);
  });
}
console.log(`\n/metrics on ${DB_KIND}, ${os.cpus().length} cores (median ms; figures of ${RUNS} runs, scrapes of 7)\n`);
console.log(
  '| clusters | nodes | app placements | baseline: select 1 | clusters query | nodes query | apps query | all fleet figures | baseline: GET /healthz | GET /metrics |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
