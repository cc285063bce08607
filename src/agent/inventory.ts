import {
  AppsV1Api,
  CoreV1Api,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  makeInformer,
} from '@kubernetes/client-node';
import type { NodeReport, WorkloadStatus } from '../agent-link/protocol.js';
import { DIAL_BACKOFF, backoffDelay } from './backoff.js';
import { MANAGED_SELECTOR } from './kube-cluster-api.js';
import type { Logger } from './log.js';
import { toNodeReport } from './node-report.js';
import { toWorkloadStatus } from './workload-status.js';

/** What the agent reports about its cluster; kept current by watches. */
export interface Inventory {
  nodes(): NodeReport[];
  workloads(): WorkloadStatus[];
  /** Called (debounced) when the reports differ from the previous ones. */
  onChange(listener: () => void): void;
  /** Resolves once every first list is in (retrying until then, or until stop()). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

type Watched = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

interface Source {
  readonly what: string;
  readonly informer: Watched;
  /** Resolves the source's first successful list. */
  readonly synced: Promise<void>;
}

/**
 * Nodes, and the Deployments/DaemonSets OTE manages, through client-node
 * informers (list once, then watch): no polling. An informer that fails is
 * restarted with backoff; its cache keeps the last known objects meanwhile.
 */
export class KubeInventory implements Inventory {
  private readonly nodeSource: Source;
  private readonly workloadSources: readonly { kind: string; source: Source }[];
  private readonly listeners: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private debounce: NodeJS.Timeout | null = null;
  private lastReport = '';
  private stopped = false;
  private unblock: () => void = () => {};
  private readonly stoppedSignal = new Promise<void>((resolve) => {
    this.unblock = resolve;
  });

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
    private readonly debounceMs = 300,
  ) {
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const selector = MANAGED_SELECTOR;
    this.nodeSource = this.source('nodes', '/api/v1/nodes', () => core.listNode());
    this.workloadSources = [
      {
        kind: 'Deployment',
        source: this.source(
          'deployments',
          '/apis/apps/v1/deployments',
          () => apps.listDeploymentForAllNamespaces({ labelSelector: selector }),
          selector,
        ),
      },
      {
        kind: 'DaemonSet',
        source: this.source(
          'daemonsets',
          '/apis/apps/v1/daemonsets',
          () => apps.listDaemonSetForAllNamespaces({ labelSelector: selector }),
          selector,
        ),
      },
    ];
  }

  nodes(): NodeReport[] {
    return this.nodeSource.informer
      .list()
      .map(toNodeReport)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  workloads(): WorkloadStatus[] {
    // List items come without `kind`: it is known from the source.
    return this.workloadSources.flatMap(({ kind, source }) =>
      source.informer.list().map((o) => toWorkloadStatus({ ...o, kind })),
    );
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    const all = [this.nodeSource, ...this.workloadSources.map((w) => w.source)];
    for (const s of all) {
      s.informer.start().catch((err) => this.restart(s, err));
    }
    await Promise.race([Promise.all(all.map((s) => s.synced)), this.stoppedSignal]);
    this.lastReport = this.snapshot();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unblock();
    if (this.debounce) clearTimeout(this.debounce);
    for (const t of this.timers) clearTimeout(t);
    const all = [this.nodeSource, ...this.workloadSources.map((w) => w.source)];
    await Promise.all(all.map((s) => s.informer.stop()));
  }

  private source(
    what: string,
    path: string,
    list: () => Promise<KubernetesListObject<KubernetesObject>>,
    labelSelector?: string,
  ): Source {
    let markSynced: () => void = () => {};
    const synced = new Promise<void>((resolve) => {
      markSynced = resolve;
    });
    const listed = async () => {
      const result = await list();
      markSynced();
      return result;
    };
    const informer: Watched = makeInformer<KubernetesObject>(this.kc, path, listed, labelSelector);
    const s: Source = { what, informer, synced };
    informer.on('change', () => this.changed());
    informer.on('error', (err) => this.restart(s, err));
    return s;
  }

  private readonly failures = new Map<Source, { count: number; since: number }>();

  /** client-node informers stop on an error: start again after a backoff. */
  private restart(s: Source, err: unknown): void {
    if (this.stopped) return; // stop() aborts the watch, which reports an AbortError
    const f = this.failures.get(s) ?? { count: 0, since: Date.now() };
    // A watch that ran a while before failing starts a fresh backoff sequence.
    if (Date.now() - f.since > 30_000) f.count = 0;
    const delay = backoffDelay(DIAL_BACKOFF, f.count++);
    this.failures.set(s, f);
    this.log.warn({ error: err, retryInMs: delay }, `watch of ${s.what} failed; restarting`);
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stopped) return;
      f.since = Date.now();
      s.informer.start().catch((e) => this.restart(s, e));
    }, delay);
    this.timers.add(t);
  }

  private changed(): void {
    if (this.debounce || this.stopped) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      const report = this.snapshot();
      if (report === this.lastReport) return;
      this.lastReport = report;
      for (const l of this.listeners) l();
    }, this.debounceMs);
  }

  private snapshot(): string {
    return JSON.stringify([this.nodes(), this.workloads()]);
  }
}
