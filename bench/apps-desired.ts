/**
 * Application Management's share of the hub's work (issue #6): how long the
 * desired-state contributor takes to build every cluster's workloads, and how
 * long the per-cluster status of a list page takes, for a fleet of C clusters
 * and A running applications (half on "all", half on one of 10 labels).
 * Seeds a temporary database directly (a benchmark, not a test); prints a
 * markdown table of medians; asserts nothing about time.
 *
 *   OTE_BENCH_APPS_SIZES  "clusters:apps" pairs (default "100:100,1000:200,1000:1000")
 *   OTE_BENCH_DB          sqlite (default) or postgres
 *
 *   node --import tsx bench/apps-desired.ts
 */
import { buildDesired } from '../src/agent-link/desired-builder.js';
import { appsContributor } from '../src/apps/desired.js';
import { DbStatusReader } from '../src/apps/status.js';
import { namespacesContributor } from '../src/businesses/desired.js';
import { clusterFacts } from '../src/clusters/store.js';
import { nodeLabelsContributor } from '../src/nodes/desired.js';
import { SettingsService } from '../src/settings/service.js';
import type { DbKind } from '../test/helpers/hub.js';
import { clusterValues, medianTime, seedApplication, seedBusiness, withBenchDatabase } from './common.js';

const SIZES = (process.env.OTE_BENCH_APPS_SIZES ?? '100:100,1000:200,1000:1000').split(',').map((p) => p.split(':').map(Number));
const DB_KIND = (process.env.OTE_BENCH_DB ?? 'sqlite') as DbKind;
const RUNS = 5;

const time = (fn: () => Promise<unknown>) => medianTime(fn, RUNS);

const rows: string[] = [];
for (const [clusters, apps] of SIZES) {
  await withBenchDatabase(DB_KIND, async (db) => {
    const k = db.kysely;
    const now = Math.floor(Date.now() / 1000);
    const businessId = await seedBusiness(k, now);
    const clusterIds: number[] = [];
    for (let i = 0; i < clusters; i++) {
      const r = await k.insertInto('clusters').values(clusterValues(i, now)).returning('id').executeTakeFirstOrThrow();
      clusterIds.push(r.id);
      await k
        .insertInto('cluster_labels')
        .values({ cluster_id: r.id, label: `l${i % 10}`, create_time: now })
        .execute();
    }
    for (let i = 0; i < apps; i++) {
      const label = i % 2 === 0 ? 'all' : `l${i % 10}`;
      const appName = `app${i}`;
      const spec = {
        appName,
        description: '',
        image: 'proj/app',
        tag: 'v1',
        replicas: 2,
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: { A: '1', B: '2' },
        command: [],
        args: [],
        cpu: 0.5,
        memory: 268435456,
        clusterLabel: label,
        kind: 'Deployment',
        volumes: [],
      };
      await seedApplication(k, { businessId, name: appName, label, spec, now });
    }
    const contributor = appsContributor(new SettingsService(k), 'registry.example.com');
    let workloads = 0;
    const build = await time(async () => {
      const built = await buildDesired(k, await clusterFacts(k, clusterIds), [
        namespacesContributor(),
        nodeLabelsContributor(),
        contributor,
      ]);
      workloads = [...built.values()].reduce((n, b) => n + b.state.workloads.length, 0);
    });
    const facts = (await k.selectFrom('clusters').select(['id', 'name']).execute()).map((c) => ({
      id: c.id,
      name: c.name,
      paused: false,
      labels: [`l${(c.id - clusterIds[0]) % 10}`],
    }));
    const contribute = await time(() => contributor.contribute(k, facts));
    const reader = new DbStatusReader(40, () => now);
    const all = await k.selectFrom('applications').selectAll().orderBy('id').execute();
    const page = await time(() => reader.forApps(k, all.slice(0, 10)));
    const every = await time(() => reader.forApps(k, all));
    rows.push(
      `| ${clusters} | ${apps} | ${workloads} | ${contribute.toFixed(0)} | ${build.toFixed(0)} | ${page.toFixed(1)} | ${every.toFixed(0)} |`,
    );
  });
}
console.log(`\nApplication Management on ${DB_KIND} (median of ${RUNS} runs, ms)\n`);
console.log(
  '| clusters | apps | objects in all desired states | apps contributor alone | whole desired state of every cluster | status of a 10-app page | status of every app |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
