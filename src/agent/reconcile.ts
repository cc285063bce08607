import { type DesiredState, MANAGED_BY, NODE_LABEL_PREFIX, type PullSecret } from '../agent-link/protocol.js';
import type { ClusterApi, KindRef, KubeObject, NamespaceInfo, ObjectRef } from './cluster-api.js';

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
  // One list of namespaces serves every check below; a resync costs a few list calls, not one GET per object.
  const managed = new Set<string>();
  const usable = new Set<string>();
  const desired = new Set(state.namespaces);
  const namespaces: NamespaceInfo[] = [];
  await attempt('namespaces', async () => {
    namespaces.push(...(await api.listNamespaces()));
    const byName = new Map(namespaces.map((n) => [n.name, n]));
    for (const ns of namespaces) if (ns.managed) managed.add(ns.name);
    for (const name of desired) {
      await attempt(`namespace ${name}`, async () => {
        const ns = byName.get(name);
        if (!ns) {
          await api.createNamespace(name);
          managed.add(name);
        } else if (!ns.managed) {
          throw new Error('exists and is not managed by OTE; left untouched');
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
  for (const ns of namespaces) {
    if (!ns.managed || ns.terminating || desired.has(ns.name)) continue;
    await attempt(`namespace ${ns.name}`, () => api.deleteNamespace(ns.name));
  }
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
  const ours = new Map((await api.listManagedSecrets()).map((s) => [`${s.namespace}/${s.name}`, s]));
  const wanted = new Set<string>();
  for (const s of secrets) {
    const key = `${s.namespace}/${s.name}`;
    wanted.add(key);
    await attempt(`secret ${key}`, async () => {
      if (!usable.has(s.namespace)) throw new Error(`namespace ${s.namespace} is not an OTE namespace here`);
      const current = ours.get(key) ?? (await api.getSecret(s.namespace, s.name));
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
  for (const [key, s] of ours) {
    // Only pull secrets are pruned here: other managed Secrets (if a later feature adds some) are not ours to judge.
    if (s.type !== DOCKER_CONFIG_TYPE || !managed.has(s.namespace) || wanted.has(key)) continue;
    await attempt(`secret ${key}`, () => api.deleteSecret(s.namespace, s.name));
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
  const ours = await api.listManagedObjects(WORKLOAD_KINDS);
  const known = new Set(ours.map(key));
  const wanted = new Set<string>();
  for (const [i, raw] of workloads.entries()) {
    const obj = asWorkload(raw);
    if (typeof obj === 'string') {
      await attempt(`workload #${i}`, async () => {
        throw new Error(obj);
      });
      continue;
    }
    const ref = refOf(obj);
    wanted.add(key(ref));
    await attempt(`${ref.kind} ${ref.namespace}/${ref.name}`, async () => {
      if (!usable.has(ref.namespace)) throw new Error(`namespace ${ref.namespace} is not an OTE namespace here`);
      // Server-side apply would silently adopt someone else's object: check any object not known to be ours.
      const current = known.has(key(ref)) ? { managed: true } : await api.getObject(ref);
      if (current && !current.managed) throw new Error('exists and is not managed by OTE; left untouched');
      const labels = { ...(obj.metadata.labels ?? {}), [MANAGED_BY.key]: MANAGED_BY.value };
      await api.applyObject({ ...obj, metadata: { ...obj.metadata, labels } });
    });
  }
  for (const ref of ours) {
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
