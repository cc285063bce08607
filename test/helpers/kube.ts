import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The shared tool sits beside the repository (CI clones shared/ next to it). */
export const ENVTEST = path.resolve(REPO, '../shared/tools/kube-envtest.sh');

/** A real kube-apiserver + etcd (no kubelet, no controllers) in a temporary directory. */
export interface KubeCluster {
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  /** Stops the apiserver and etcd (only the processes it started) and removes the directory. */
  stop(): Promise<void>;
}

/**
 * `authz: 'RBAC'` enforces RBAC (the admin token stays in system:masters); default AlwaysAllow.
 * A start that fails is tried once more in a fresh directory: on a loaded machine (CI runs two
 * test files at once, each with its apiservers) one apiserver now and then misses the tool's
 * 90 s readiness wait; the second failure is the test's.
 */
export async function startKube(opts: { authz?: 'RBAC' | 'AlwaysAllow' } = {}): Promise<KubeCluster> {
  try {
    return await startKubeOnce(opts);
  } catch (err) {
    process.stderr.write(`startKube: ${(err as Error).message.split('\n').slice(-3).join(' | ')} — trying once more\n`);
    return startKubeOnce(opts);
  }
}

async function startKubeOnce(opts: { authz?: 'RBAC' | 'AlwaysAllow' }): Promise<KubeCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-kube-'));
  const stop = async () => {
    try {
      await run('bash', [ENVTEST, 'stop', dir], { timeout: 60_000 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const env = { ...process.env, KUBE_ENVTEST_AUTHZ: opts.authz ?? 'AlwaysAllow' };
    await run('bash', [ENVTEST, 'start', dir], { timeout: 180_000, env });
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return { dir, kubeconfigPath, kc, core: kc.makeApiClient(CoreV1Api), stop };
}

export interface NodeSpec {
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly ready?: boolean;
  readonly cpu?: string;
  readonly memory?: string;
  readonly disk?: string;
  readonly gpus?: number;
  readonly internalIP?: string;
  readonly osImage?: string;
  readonly kernelVersion?: string;
}

/**
 * Creates a Node object standing for an edge machine: metadata through the
 * API, then capacity, addresses, nodeInfo and the Ready condition through the
 * status subresource (what a kubelet would report).
 */
export async function createNode(core: CoreV1Api, spec: NodeSpec): Promise<V1Node> {
  const created = await core.createNode({ body: { metadata: { name: spec.name, labels: spec.labels ?? {} } } });
  return setNodeStatus(core, created, spec);
}

/** Rewrites a node's status (e.g. to make it not Ready). */
export async function setNodeStatus(core: CoreV1Api, node: V1Node, spec: NodeSpec): Promise<V1Node> {
  const capacity: Record<string, string> = {
    cpu: spec.cpu ?? '4',
    memory: spec.memory ?? '16Gi',
    'ephemeral-storage': spec.disk ?? '100Gi',
    pods: '110',
  };
  if (spec.gpus) capacity['nvidia.com/gpu'] = String(spec.gpus);
  const now = new Date();
  return core.replaceNodeStatus({
    name: spec.name,
    body: {
      ...node,
      status: {
        capacity,
        allocatable: capacity,
        addresses: [{ type: 'InternalIP', address: spec.internalIP ?? '10.0.0.10' }],
        conditions: [
          {
            type: 'Ready',
            status: (spec.ready ?? true) ? 'True' : 'False',
            reason: 'KubeletReady',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        nodeInfo: {
          osImage: spec.osImage ?? 'Debian GNU/Linux 12 (bookworm)',
          kernelVersion: spec.kernelVersion ?? '6.1.0-edge',
          architecture: 'amd64',
          operatingSystem: 'linux',
          bootID: '',
          containerRuntimeVersion: 'containerd://1.7.0',
          kubeProxyVersion: 'v1.20.2',
          kubeletVersion: 'v1.20.2',
          machineID: '',
          systemUUID: '',
        },
      },
    },
  });
}

/** The labels of a Node, read fresh. */
export async function nodeLabels(core: CoreV1Api, name: string): Promise<Record<string, string>> {
  return (await core.readNode({ name })).metadata?.labels ?? {};
}

/** The same apiserver as another identity (the admin impersonates it), e.g. a service account. */
export function impersonating(kc: KubeConfig, user: string): KubeConfig {
  const other = new KubeConfig();
  other.loadFromString(kc.exportConfig());
  const current = other.getCurrentUser();
  if (!current) throw new Error('the kubeconfig has no user');
  other.users = other.users.map((u) => (u.name === current.name ? { ...u, impersonateUser: user } : u));
  return other;
}
