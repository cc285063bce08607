import {
  ApiException,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Namespace,
  type V1Secret,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { MANAGED_BY, type PullSecret } from '../agent-link/protocol.js';
import type { ClusterApi, KindRef, KubeObject, NamespaceInfo, ObjectRef, SecretInfo } from './cluster-api.js';
import { DOCKER_CONFIG_TYPE } from './reconcile.js';

export const MANAGED_SELECTOR = `${MANAGED_BY.key}=${MANAGED_BY.value}`;
/** The field manager of OTE's server-side applies. */
export const FIELD_MANAGER = 'ote-agent';

/** An apiserver refusal, with its status and the apiserver's own one-line reason (never the request). */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `ClusterApi` on a real apiserver through @kubernetes/client-node. */
export class KubeClusterApi implements ClusterApi {
  private readonly core: CoreV1Api;
  private readonly objects: KubernetesObjectApi;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
  }

  async listNamespaces(): Promise<NamespaceInfo[]> {
    const list = await call(() => this.core.listNamespace());
    return list.items.map(namespaceInfo);
  }

  async createNamespace(name: string): Promise<void> {
    await call(() => this.core.createNamespace({ body: { metadata: { name, labels: managedLabels() } } }));
  }

  async deleteNamespace(name: string): Promise<void> {
    await orNull(() => this.core.deleteNamespace({ name }));
  }

  async listNodes() {
    const list = await call(() => this.core.listNode());
    return list.items.map((n) => ({ name: n.metadata?.name ?? '', labels: n.metadata?.labels ?? {} }));
  }

  async patchNodeLabels(node: string, changes: Readonly<Record<string, string | null>>): Promise<void> {
    // A JSON merge patch of metadata.labels changes exactly these keys; null deletes one.
    await call(() =>
      this.core.patchNode(
        { name: node, body: { metadata: { labels: changes } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  async getSecret(namespace: string, name: string): Promise<SecretInfo | null> {
    const s = await orNull(() => this.core.readNamespacedSecret({ namespace, name }));
    return s && secretInfo(s);
  }

  async listManagedSecrets(): Promise<SecretInfo[]> {
    const list = await call(() => this.core.listSecretForAllNamespaces({ labelSelector: MANAGED_SELECTOR }));
    return list.items.map(secretInfo);
  }

  async putPullSecret(secret: PullSecret, replace: boolean): Promise<void> {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secret.name, namespace: secret.namespace, labels: managedLabels() },
      type: DOCKER_CONFIG_TYPE,
      data: { '.dockerconfigjson': Buffer.from(secret.dockerConfigJson, 'utf8').toString('base64') },
    };
    const { namespace, name } = secret;
    if (replace) await call(() => this.core.replaceNamespacedSecret({ namespace, name, body }));
    else await call(() => this.core.createNamespacedSecret({ namespace, body }));
  }

  async deleteSecret(namespace: string, name: string): Promise<void> {
    await orNull(() => this.core.deleteNamespacedSecret({ namespace, name }));
  }

  async getObject(ref: ObjectRef): Promise<{ managed: boolean } | null> {
    const obj = await orNull(() => this.objects.read(header(ref)));
    return obj && { managed: isManaged(obj) };
  }

  async applyObject(obj: KubeObject): Promise<void> {
    // Server-side apply: OTE owns the fields it sends; force takes them back from a hand edit.
    await call(() =>
      this.objects.patch(obj as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
    );
  }

  async listManagedObjects(kinds: readonly KindRef[]): Promise<ObjectRef[]> {
    const refs: ObjectRef[] = [];
    for (const { apiVersion, kind } of kinds) {
      let list: Awaited<ReturnType<KubernetesObjectApi['list']>>;
      try {
        list = await call(() =>
          this.objects.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, MANAGED_SELECTOR),
        );
      } catch (err) {
        // An older cluster without this API (e.g. networking.k8s.io/v1 before 1.19) holds none of it:
        // discovery answers 404 for an unknown group/version, client-node says so for an unknown kind.
        if (err instanceof KubeError && err.status === 404) continue;
        if (err instanceof Error && /Unrecognized API version and kind/.test(err.message)) continue;
        throw err;
      }
      for (const o of list.items) {
        refs.push({ apiVersion, kind, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });
      }
    }
    return refs;
  }

  async deleteObject(ref: ObjectRef): Promise<void> {
    await orNull(() => this.objects.delete(header(ref)));
  }
}

function managedLabels(): Record<string, string> {
  return { [MANAGED_BY.key]: MANAGED_BY.value };
}

function isManaged(obj: KubernetesObject): boolean {
  return obj.metadata?.labels?.[MANAGED_BY.key] === MANAGED_BY.value;
}

function namespaceInfo(ns: V1Namespace): NamespaceInfo {
  return { name: ns.metadata?.name ?? '', managed: isManaged(ns), terminating: Boolean(ns.metadata?.deletionTimestamp) };
}

function secretInfo(s: V1Secret): SecretInfo {
  const data = s.data?.['.dockerconfigjson'];
  return {
    namespace: s.metadata?.namespace ?? '',
    name: s.metadata?.name ?? '',
    managed: isManaged(s),
    type: s.type ?? '',
    dockerConfigJson: data === undefined ? null : Buffer.from(data, 'base64').toString('utf8'),
  };
}

function header(ref: ObjectRef) {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } };
}

/** Runs a client call, turning its exception into a short `KubeError`. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toKubeError(err);
  }
}

/** As `call`, but "not found" is null. */
async function orNull<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await call(fn);
  } catch (err) {
    if (err instanceof KubeError && err.status === 404) return null;
    throw err;
  }
}

export function toKubeError(err: unknown): Error {
  if (!(err instanceof ApiException)) return err instanceof Error ? err : new Error(String(err));
  let reason = `HTTP ${err.code}`;
  try {
    const body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message?: unknown } | null | undefined;
    if (body && typeof body.message === 'string') reason = body.message;
  } catch {
    // Not a Status document: keep the HTTP code.
  }
  return new KubeError(err.code, reason);
}
