import fs from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { type AgentMessage, Capability, PROTOCOL_VERSION } from '../agent-link/protocol.js';
import type { ClusterApi } from './cluster-api.js';
import { DesiredStateCopy } from './desired-state.js';
import { HubConnection } from './hub-connection.js';
import { type Inventory, KubeInventory } from './inventory.js';
import { KubeClusterApi } from './kube-cluster-api.js';
import type { Logger } from './log.js';
import { reconcile } from './reconcile.js';
import { Reconciler } from './reconciler.js';

export interface AgentOptions {
  readonly hubUrl: string;
  readonly token: string;
  readonly kubeConfig: KubeConfig;
  /** PEM of the hub's CA (wss with a private CA). */
  readonly ca?: string;
  readonly heartbeatSeconds: number;
  readonly log: Logger;
}

export interface RunningAgent {
  /** Resolves with the reason when the hub rejects the join token (the agent has stopped). */
  readonly rejected: Promise<string>;
  stop(): Promise<void>;
}

/** The agent's version, from the package (the same path from src/ and dist/). */
export function agentVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the agent: dials the hub, then watches the cluster and holds the connection. Desired
 * states go to the reconciler; its acks and inventory changes go back to the hub.
 */
export async function startAgent(
  opts: AgentOptions,
  deps: { cluster?: ClusterApi; inventory?: Inventory } = {},
): Promise<RunningAgent> {
  const { log } = opts;
  const cluster = deps.cluster ?? new KubeClusterApi(opts.kubeConfig);
  const inventory = deps.inventory ?? new KubeInventory(opts.kubeConfig, log);
  // The hub first: a refused join token ends the agent before any Kubernetes call. The cluster
  // is read once the hub has answered, and the hello waits for that first inventory.
  let watching: Promise<void> | null = null;
  const watch = () =>
    (watching ??= (async () => {
      log.info({ server: opts.kubeConfig.getCurrentCluster()?.server }, 'watching the cluster');
      await inventory.start();
      log.info({ nodes: inventory.nodes().length }, 'cluster inventory ready');
    })());

  let link: HubConnection | null = null;
  const reconciler = new Reconciler({
    apply: (state) => reconcile(cluster, state),
    ack: (a) => link?.send({ type: 'ack', ...a }),
    log,
  });
  const version = agentVersion();
  // Full states and deltas become whole states here; a delta that does not check out asks for the full state.
  const desired = new DesiredStateCopy();
  let rejectedWith: (reason: string) => void = () => {};
  const rejected = new Promise<string>((resolve) => {
    rejectedWith = resolve;
  });
  const heartbeat = (): AgentMessage => ({ type: 'heartbeat', nodes: inventory.nodes(), workloads: inventory.workloads() });
  link = new HubConnection({
    hubUrl: opts.hubUrl,
    token: opts.token,
    ca: opts.ca,
    heartbeatMs: opts.heartbeatSeconds * 1000,
    log,
    beforeHello: watch,
    hello: () => {
      desired.reset();
      return {
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agentVersion: version,
        appliedGeneration: reconciler.appliedGeneration,
        nodes: inventory.nodes(),
        workloads: inventory.workloads(),
        capabilities: [Capability.delta],
      };
    },
    heartbeat,
    onDesired: (msg) => {
      const taken = desired.take(msg);
      if (taken === null) return;
      if ('resync' in taken) {
        log.warn({ generation: msg.generation, reason: taken.resync }, 'asking the hub for the full desired state');
        link?.send({ type: 'resync', reason: taken.resync });
        return;
      }
      reconciler.submit(taken);
    },
    onRejected: (reason) => rejectedWith(reason),
  });
  inventory.onChange(() => link?.send(heartbeat()));
  log.info({ hub: opts.hubUrl }, 'dialing the hub');
  link.start();

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await link?.stop();
      await reconciler.stop();
      await inventory.stop();
    })();
    return stopping;
  };
  return { rejected, stop };
}
