import { type DesiredState, MANAGED_BY, NODE_LABEL_PREFIX, type PullSecret } from '../agent-link/protocol.js';
import type { ClusterApi, KindRef, KubeObject, ObjectRef } from './cluster-api.js';

export const DOCKER_CONFIG_TYPE = 'kubernetes.io/dockerconfigjson';

/**
 * The kinds a workload may have. The agent prunes only these, so it manages a
 * closed set: Application Management adds a kind here when it needs one.
 */
export const WORKLOAD_KINDS: readonly KindRef[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
];

/**
 * Makes the cluster match `state` (paused is the caller's business) and
 * returns what could not be done, one line each; [] means converged. Every
 * step runs even when an earlier one failed, and each touches only objects
 * that carry the managed label, inside namespaces that carry it.
 */
export async function reconcile(api: ClusterApi, state: DesiredState): Promise<string[]> {
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const managed = new Set<string>();
  const usable = new Set<string>();
  await attempt('namespaces', async () => {
    for (const ns of await api.listManagedNamespaces()) managed.add(ns.name);
    for (const name of new Set(state.namespaces)) {
      await attempt(`namespace ${name}`, async () => {
        const ns = await api.getNamespace(name);
        if (!ns) {
          await api.createNamespace(name);
          managed.add(name);
        } else if (!ns.managed) {
          throw new Error(`exists and is not managed by OTE; left untouched`);
        } else if (ns.terminating) {
          throw new Error('is still being deleted; it will be recreated once it is gone');
        }
        usable.add(name);
      });
    }
  });
  await attempt('pull secrets', () => reconcilePullSecrets(api, state.pullSecrets, usable, managed, attempt));
  await attempt('workloads', () => reconcileWorkloads(api, state.workloads, usable, managed, attempt));
  await attempt('node labels', () => reconcileNodeLabels(api, state.nodeLabels, attempt));
  await attempt('namespaces', async () => {
    const desired = new Set(state.namespaces);
    for (const ns of await api.listManagedNamespaces()) {
      if (desired.has(ns.name) || ns.terminating) continue;
      await attempt(`namespace ${ns.name}`, () => api.deleteNamespace(ns.name));
    }
  });
  return errors;
}

type Attempt = (what: string, fn: () => Promise<unknown>) => Promise<void>;

async function reconcilePullSecrets(
  api: ClusterApi,
  secrets: readonly PullSecret[],
  usable: ReadonlySet<string>,
  managed: ReadonlySet<string>,
  attempt: Attempt,
): Promise<void> {
  const wanted = new Set<string>();
  for (const s of secrets) {
    wanted.add(`${s.namespace}/${s.name}`);
    await attempt(`secret ${s.namespace}/${s.name}`, async () => {
      if (!usable.has(s.namespace)) throw new Error(`namespace ${s.namespace} is not an OTE namespace here`);
      const current = await api.getSecret(s.namespace, s.name);
      if (!current) return api.putPullSecret(s, false);
      if (!current.managed) throw new Error('exists and is not managed by OTE; left untouched');
      if (current.type !== DOCKER_CONFIG_TYPE) {
        // A Secret's type is immutable: replace the object.
        await api.deleteSecret(s.namespace, s.name);
        return api.putPullSecret(s, false);
      }
      if (current.dockerConfigJson !== s.dockerConfigJson) await api.putPullSecret(s, true);
    });
  }
  for (const s of await api.listManagedPullSecrets()) {
    if (!managed.has(s.namespace) || wanted.has(`${s.namespace}/${s.name}`)) continue;
    await attempt(`secret ${s.namespace}/${s.name}`, () => api.deleteSecret(s.namespace, s.name));
  }
}

async function reconcileWorkloads(
  api: ClusterApi,
  workloads: readonly Record<string, unknown>[],
  usable: ReadonlySet<string>,
  managed: ReadonlySet<string>,
  attempt: Attempt,
): Promise<void> {
  const key = (r: ObjectRef) => `${r.kind}/${r.namespace}/${r.name}`;
  const wanted = new Set<string>();
  for (const [i, raw] of workloads.entries()) {
    const obj = asWorkload(raw);
    if (typeof obj === 'string') {
      await attempt(`workload #${i}`, async () => Promise.reject(new Error(obj)));
      continue;
    }
    const ref = refOf(obj);
    wanted.add(key(ref));
    await attempt(`${ref.kind} ${ref.namespace}/${ref.name}`, async () => {
      if (!usable.has(ref.namespace)) throw new Error(`namespace ${ref.namespace} is not an OTE namespace here`);
      const current = await api.getObject(ref);
      if (current && !current.managed) throw new Error('exists and is not managed by OTE; left untouched');
      const labels = { ...(obj.metadata.labels ?? {}), [MANAGED_BY.key]: MANAGED_BY.value };
      await api.applyObject({ ...obj, metadata: { ...obj.metadata, labels } });
    });
  }
  for (const ref of await api.listManagedObjects(WORKLOAD_KINDS)) {
    if (!managed.has(ref.namespace) || wanted.has(key(ref))) continue;
    await attempt(`${ref.kind} ${ref.namespace}/${ref.name}`, () => api.deleteObject(ref));
  }
}

/** A workload as sent, checked; a string says what is wrong with it. */
function asWorkload(raw: Record<string, unknown>): KubeObject | string {
  const meta = raw.metadata as Record<string, unknown> | undefined;
  const kind = WORKLOAD_KINDS.find((k) => k.apiVersion === raw.apiVersion && k.kind === raw.kind);
  if (!kind) return `${String(raw.apiVersion)} ${String(raw.kind)} is not a kind OTE manages`;
  if (!meta || typeof meta.name !== 'string' || typeof meta.namespace !== 'string') {
    return `${kind.kind} needs metadata.name and metadata.namespace`;
  }
  return raw as KubeObject;
}

function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}

async function reconcileNodeLabels(
  api: ClusterApi,
  desired: Readonly<Record<string, readonly string[]>>,
  attempt: Attempt,
): Promise<void> {
  // Nodes the hub names that are not in this cluster (any more) are skipped: the inventory tells the hub.
  for (const node of await api.listNodes()) {
    const want = new Set((desired[node.name] ?? []).map((l) => NODE_LABEL_PREFIX + l));
    const changes: Record<string, string | null> = {};
    for (const k of want) if (node.labels[k] !== 'true') changes[k] = 'true';
    for (const k of Object.keys(node.labels)) if (k.startsWith(NODE_LABEL_PREFIX) && !want.has(k)) changes[k] = null;
    if (Object.keys(changes).length > 0) {
      await attempt(`node ${node.name}`, () => api.patchNodeLabels(node.name, changes));
    }
  }
}
