import { AppsV1Api, type V1Deployment } from '@kubernetes/client-node';
import { type OteProcess, spawnOte, startAgentProcess } from './agent-process.js';
import { type Api, expectStatus } from './client.js';
import { type KubeCluster, type NodeSpec, createNode, startKube } from './kube.js';

/** An edge cluster of an end-to-end test: a real kube-apiserver, and the real agent once one runs. */
export interface Edge {
  readonly name: string;
  readonly kube: KubeCluster;
  readonly apps: AppsV1Api;
  /** The agent token the registration answered ('' when the test registers the cluster itself). */
  token: string;
  agent: OteProcess | null;
}

export interface EdgeSpec {
  readonly name: string;
  /** Node objects created in the apiserver before any agent runs. */
  readonly nodes?: readonly NodeSpec[];
}

export interface EdgesOptions {
  /** Start the apiservers at once (default) or one after the other (lighter on a loaded machine). */
  readonly parallel?: boolean;
  /** Seconds between the agents' heartbeats (default 1). */
  readonly heartbeat?: number;
}

/** The hub the agents join: its URL, and an admin session to register the clusters with. */
export interface JoinHub {
  readonly url: string;
  readonly api: Api;
  readonly adminToken: string;
}

/**
 * Two (or more) edge clusters for an end-to-end test: `start()` runs a kube-apiserver per
 * spec and creates its nodes; with a hub, it also registers each cluster (POST /v1/cluster)
 * and starts the real agent process on the token answered. `edges` is filled by `start()`,
 * in spec order. `stop()` stops what was started — the agents, then the apiservers, in
 * reverse order — also after a failed start, and goes on past a step that fails.
 */
export class EdgeFleet {
  readonly edges: Edge[] = [];
  private readonly kubes: KubeCluster[] = [];
  private hubUrl = '';

  constructor(
    private readonly specs: readonly EdgeSpec[],
    private readonly opts: EdgesOptions = {},
  ) {}

  async start(hub?: JoinHub): Promise<Edge[]> {
    try {
      await this.startKubes();
      for (const [i, spec] of this.specs.entries()) {
        const kube = this.kubes[i];
        for (const node of spec.nodes ?? []) await createNode(kube.core, node);
        this.edges.push({ name: spec.name, kube, apps: kube.kc.makeApiClient(AppsV1Api), token: '', agent: null });
      }
      if (hub) {
        this.hubUrl = hub.url;
        for (const e of this.edges) {
          const join = expectStatus(
            await hub.api.post('/v1/cluster', { token: hub.adminToken, body: { clusterName: e.name } }),
            200,
          ).data;
          hub.api.secrets.add(join.token);
          e.token = join.token;
          this.startAgent(e);
        }
      }
      return this.edges;
    } catch (err) {
      await this.stop().catch(() => {});
      throw err;
    }
  }

  /** (Re)starts the real agent of `e` with the token its registration answered. */
  startAgent(e: Edge): OteProcess {
    if (!e.token) throw new Error(`${e.name} was not registered by start(hub)`);
    e.agent = startAgentProcess({
      hubUrl: this.hubUrl,
      token: e.token,
      kubeconfig: e.kube.kubeconfigPath,
      heartbeat: this.heartbeat,
    });
    return e.agent;
  }

  /** Runs an `ote agent` command line as given (e.g. a join command), against the apiserver of `e`. */
  runAgent(e: Edge, args: readonly string[], env: Record<string, string> = {}): OteProcess {
    e.agent = spawnOte([...args, '--kubeconfig', e.kube.kubeconfigPath, '--heartbeat', String(this.heartbeat)], env);
    return e.agent;
  }

  /** Stops every agent, then every apiserver (each once); throws the first failure after trying all. */
  async stop(): Promise<void> {
    const errors: unknown[] = [];
    for (const e of [...this.edges].reverse()) {
      await e.agent?.stop().catch((err: unknown) => errors.push(err));
    }
    for (const kube of this.kubes.splice(0).reverse()) {
      await kube.stop().catch((err: unknown) => errors.push(err));
    }
    if (errors.length > 0) throw errors[0];
  }

  private get heartbeat(): number {
    return this.opts.heartbeat ?? 1;
  }

  private async startKubes(): Promise<void> {
    if (this.opts.parallel === false) {
      for (const _ of this.specs) this.kubes.push(await startKube());
      return;
    }
    const started = await Promise.allSettled(this.specs.map(() => startKube()));
    for (const k of started) if (k.status === 'fulfilled') this.kubes.push(k.value);
    const failed = started.find((k) => k.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Stands for the pods a kubelet would run (envtest has none): the status of `d` says every
 * replica of its generation is updated and available.
 */
export function markDeploymentAvailable(apps: AppsV1Api, d: V1Deployment): Promise<V1Deployment> {
  const replicas = d.spec?.replicas ?? 1;
  return apps.replaceNamespacedDeploymentStatus({
    namespace: d.metadata!.namespace!,
    name: d.metadata!.name!,
    body: {
      ...d,
      status: {
        observedGeneration: d.metadata?.generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
      },
    },
  });
}

/** The Deployments of the namespace `namespace()` answers, read in an edge by name. */
export function deploymentsIn(namespace: () => string) {
  const read = (e: Edge, name: string): Promise<V1Deployment | undefined> =>
    e.apps.readNamespacedDeployment({ namespace: namespace(), name }).catch((err) => {
      if (err?.code === 404) return undefined;
      throw err;
    });
  return {
    /** The Deployment `name`, or undefined when there is none. */
    read,
    /** The image of its first container. */
    image: async (e: Edge, name: string) => (await read(e, name))?.spec?.template?.spec?.containers?.[0]?.image,
    /** Marks it available (see markDeploymentAvailable). */
    markAvailable: async (e: Edge, name: string): Promise<void> => {
      await markDeploymentAvailable(e.apps, (await read(e, name)) as V1Deployment);
    },
  };
}
