import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RevisionStatus } from '../access/revision-status.js';
import type { AgentLink } from '../agent-link/link.js';
import { countPendingRevisions } from '../apps/revision-store.js';
import { appFigureRows } from '../apps/store.js';
import type { AuthService } from '../auth/service.js';
import { countPendingBusinesses } from '../businesses/store.js';
import { clusterFigures } from '../clusters/store.js';
import type { Db } from '../db/types.js';
import { nowSeconds } from '../lib/time.js';
import { nodeFigures } from '../nodes/store.js';
import { countPendingUsers } from '../users/store.js';

/** What an operator of a fleet watches (API.md §9), read from the database on scrape: every replica exports the same. */
export interface FleetFigures {
  readonly clusters: Record<'ready' | 'not_ready' | 'paused' | 'never_connected', number>;
  readonly clustersBehind: number;
  readonly nodes: Record<'ready' | 'not_ready', number>;
  readonly apps: Record<'pending' | 'available' | 'progressing' | 'degraded' | 'failed', number>;
  readonly pendingReviews: Record<'user' | 'business' | 'app', number>;
}

/** A cluster not available by this many seconds counts as degraded (the default progressDeadlineSeconds, API.md §8). */
const PROGRESS_DEADLINE = 600;

/** The fleet-wide figures: a handful of aggregate queries (see bench/metrics.ts for their cost at 5,000 clusters). */
export async function fleetFigures(db: Db, graceSeconds: number, now = nowSeconds()): Promise<FleetFigures> {
  const cutoff = now - graceSeconds;
  const [c, n, apps, users, businesses, revisions] = await Promise.all([
    clusterFigures(db, cutoff),
    nodeFigures(db, cutoff),
    appFigureRows(db, now - PROGRESS_DEADLINE),
    countPendingUsers(db),
    countPendingBusinesses(db),
    countPendingRevisions(db),
  ]);
  const byState = { pending: 0, available: 0, progressing: 0, degraded: 0, failed: 0 };
  for (const a of apps) {
    // The latest revision's rollout failed and was rolled back (API.md §8.1), until a new one comes;
    // else nothing approved yet: the application waits for its review.
    if (a.latest_status === RevisionStatus.failed) byState.failed++;
    else if (a.running_revision === null) byState.pending++;
    else if (a.rollout_stopped === 1 || Number(a.late ?? 0) > 0) byState.degraded++;
    else if (Number(a.unavailable ?? 0) > 0) byState.progressing++;
    else byState.available++;
  }
  return {
    clusters: { ready: c.ready, not_ready: c.notReady, paused: c.paused, never_connected: c.neverConnected },
    clustersBehind: c.behind,
    nodes: { ready: n.ready, not_ready: n.notReady },
    apps: byState,
    pendingReviews: { user: users, business: businesses, app: revisions },
  };
}

export interface MetricsDeps {
  readonly db: Db;
  readonly graceSeconds: number;
  readonly link: AgentLink;
  readonly auth: AuthService;
  readonly version: string;
}

/** Figures younger than this are served as they are; an older one is served too, and refreshed behind the scrape. */
const REFRESH_MS = 5000;
/** Older than this (or none yet): the scrape waits for fresh figures. */
const MAX_STALE_MS = 60_000;

/**
 * The fleet figures cost a few aggregate queries (a few hundred ms at 5,000 clusters, bench/metrics.ts):
 * a scrape is answered from the last ones and starts a refresh when they are older than 5 s,
 * so it stays fast however large the fleet, and the database sees at most one computation in
 * flight. The refresh serves the next scrape: what a scrape shows is as old as the scrape
 * interval (or 5 s, if scrapes come faster); older than `maxStaleMs`, the scrape waits for fresh
 * figures. A failed refresh keeps the previous figures (the next scrape tries again).
 */
export function staleWhileRevalidate<T>(
  compute: () => Promise<T>,
  refreshMs = REFRESH_MS,
  maxStaleMs = MAX_STALE_MS,
): () => Promise<T> {
  let last: { at: number; value: T } | null = null;
  let refreshing: Promise<void> | null = null;
  return async () => {
    const age = last ? Date.now() - last.at : Infinity;
    if (age > refreshMs && !refreshing) {
      const started = Date.now();
      refreshing = compute()
        .then((value) => {
          last = { at: started, value };
        })
        .finally(() => {
          refreshing = null;
        });
      refreshing.catch(() => {}); // awaited below when it matters; otherwise the old figures stay
    }
    if (!last || age > maxStaleMs) await refreshing;
    return last!.value;
  };
}

/**
 * The hub's own metrics on `registry` (besides the HTTP and process ones): the fleet-wide
 * gauges (one computation serves every gauge), and this replica's counters,
 * fed by the agent link and the login path. HELP says which are per replica.
 */
export function installHubMetrics(registry: Registry, deps: MetricsDeps): void {
  const registers = [registry];
  const figures = staleWhileRevalidate(() => fleetFigures(deps.db, deps.graceSeconds));
  const labelled = <K extends string>(name: string, help: string, label: string, pick: (f: FleetFigures) => Record<K, number>) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers,
      async collect() {
        for (const [k, v] of Object.entries<number>(pick(await figures()))) this.set({ [label]: k }, v);
      },
    });
  labelled(
    'ote_clusters',
    'Clusters by state, fleet-wide (from the database: every replica exports the same)',
    'state',
    (f) => f.clusters,
  );
  labelled('ote_nodes', 'Nodes of all clusters by readiness, fleet-wide', 'state', (f) => f.nodes);
  labelled('ote_apps', 'Applications by their state across their clusters, fleet-wide', 'state', (f) => f.apps);
  labelled('ote_pending_reviews', 'Requests waiting for a system administrator, fleet-wide', 'kind', (f) => f.pendingReviews);
  new Gauge({
    name: 'ote_clusters_behind',
    help: 'Ready, unpaused clusters whose agent has not acknowledged their desired generation, fleet-wide',
    registers,
    async collect() {
      this.set((await figures()).clustersBehind);
    },
  });

  new Gauge({
    name: 'ote_agents_connected',
    help: 'Agents connected to this hub replica (per replica: sum over replicas)',
    registers,
    collect() {
      this.set(deps.link.connectedClusters);
    },
  });
  const delivery = new Histogram({
    name: 'ote_desired_state_seconds',
    help: 'Seconds from a desired-state change computed on this replica to its agent acknowledging it (per replica)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  const applyFailures = new Counter({
    name: 'ote_agent_apply_failures_total',
    help: 'Desired states an agent acknowledged with an error, on this replica (per replica)',
    registers,
  });
  const disconnects = new Counter({
    name: 'ote_agent_disconnects_total',
    help: 'Agent connections of this replica that ended, by reason (per replica)',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of ['token', 'replaced', 'protocol', 'silent', 'error', 'hub_stopping', 'agent_stopped', 'network']) {
    disconnects.inc({ reason }, 0);
  }
  deps.link.observe({
    delivered: (s) => delivery.observe(s),
    applyFailed: () => applyFailures.inc(),
    disconnected: (reason) => disconnects.inc({ reason }),
  });
  const loginFailures = new Counter({
    name: 'ote_login_failures_total',
    help: 'Refused logins on this replica by reason (per replica)',
    labelNames: ['reason'],
    registers,
  });
  // Every reason from the start, so rate() sees the first failure.
  for (const reason of ['credentials', 'throttled', 'not_approved']) loginFailures.inc({ reason }, 0);
  deps.auth.onLoginFailure((reason) => loginFailures.inc({ reason }));
  new Gauge({ name: 'ote_build_info', help: 'The hub version (always 1)', labelNames: ['version', 'node'], registers }).set(
    { version: deps.version, node: process.version },
    1,
  );
}
