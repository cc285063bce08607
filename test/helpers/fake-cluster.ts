import type {
  ClusterApi,
  KindRef,
  KubeObject,
  NamespaceInfo,
  NodeLabels,
  ObjectRef,
  SecretInfo,
} from '../../src/agent/cluster-api.js';
import { DOCKER_CONFIG_TYPE } from '../../src/agent/reconcile.js';
import type { PullSecret } from '../../src/agent-link/protocol.js';

/** An in-memory cluster for unit tests of the reconcile rules; `calls` records every write. */
export class FakeCluster implements ClusterApi {
  readonly namespaces = new Map<string, NamespaceInfo>();
  readonly nodes = new Map<string, Record<string, string>>();
  readonly secrets = new Map<string, SecretInfo>();
  readonly objects = new Map<string, { ref: ObjectRef; managed: boolean; body?: KubeObject }>();
  readonly calls: string[] = [];
  /** Single-object reads (GETs), which a resync should not need. */
  readonly reads: string[] = [];
  /** Makes the next calls of this method name fail. */
  failing = new Set<string>();

  private check(method: string): void {
    if (this.failing.has(method)) throw new Error(`${method} failed (fake)`);
  }

  async listNamespaces() {
    this.check('listNamespaces');
    return [...this.namespaces.values()];
  }
  async createNamespace(name: string) {
    this.check('createNamespace');
    this.calls.push(`create ns ${name}`);
    this.namespaces.set(name, { name, managed: true, terminating: false });
  }
  async deleteNamespace(name: string) {
    this.check('deleteNamespace');
    this.calls.push(`delete ns ${name}`);
    const ns = this.namespaces.get(name);
    if (ns) this.namespaces.set(name, { ...ns, terminating: true });
  }
  async listNodes(): Promise<NodeLabels[]> {
    return [...this.nodes].map(([name, labels]) => ({ name, labels: { ...labels } }));
  }
  async patchNodeLabels(node: string, changes: Readonly<Record<string, string | null>>) {
    this.check('patchNodeLabels');
    this.calls.push(`patch node ${node} ${JSON.stringify(changes)}`);
    const labels = this.nodes.get(node) ?? {};
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete labels[k];
      else labels[k] = v;
    }
    this.nodes.set(node, labels);
  }
  async getSecret(namespace: string, name: string) {
    this.reads.push(`secret ${namespace}/${name}`);
    return this.secrets.get(`${namespace}/${name}`) ?? null;
  }
  async listManagedSecrets() {
    return [...this.secrets.values()].filter((s) => s.managed);
  }
  async putPullSecret(s: PullSecret, replace: boolean) {
    this.check('putPullSecret');
    this.calls.push(`${replace ? 'replace' : 'create'} secret ${s.namespace}/${s.name}`);
    this.secrets.set(`${s.namespace}/${s.name}`, {
      namespace: s.namespace,
      name: s.name,
      managed: true,
      type: DOCKER_CONFIG_TYPE,
      dockerConfigJson: s.dockerConfigJson,
    });
  }
  async deleteSecret(namespace: string, name: string) {
    this.calls.push(`delete secret ${namespace}/${name}`);
    this.secrets.delete(`${namespace}/${name}`);
  }
  async getObject(ref: ObjectRef) {
    this.reads.push(`object ${key(ref)}`);
    const o = this.objects.get(key(ref));
    return o ? { managed: o.managed } : null;
  }
  async applyObject(obj: KubeObject) {
    this.check('applyObject');
    const ref = { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
    this.calls.push(`apply ${key(ref)}`);
    this.objects.set(key(ref), { ref, managed: true, body: obj });
  }
  async listManagedObjects(kinds: readonly KindRef[]) {
    return [...this.objects.values()].filter((o) => o.managed && kinds.some((k) => k.kind === o.ref.kind)).map((o) => o.ref);
  }
  async deleteObject(ref: ObjectRef) {
    this.calls.push(`delete ${key(ref)}`);
    this.objects.delete(key(ref));
  }
}

function key(r: ObjectRef): string {
  return `${r.kind}/${r.namespace}/${r.name}`;
}
