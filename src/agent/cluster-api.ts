import type { PullSecret } from '../agent-link/protocol.js';

/**
 * Everything the reconciler does to a cluster, behind one small interface
 * (STYLE.md 9): `KubeClusterApi` talks to a real apiserver, unit tests use an
 * in-memory fake. "Managed" always means the object carries
 * `app.kubernetes.io/managed-by: ote`.
 */
export interface ClusterApi {
  /** Every namespace (one list call: a resync must not cost a request per namespace). */
  listNamespaces(): Promise<NamespaceInfo[]>;
  /** Creates it with the managed label. */
  createNamespace(name: string): Promise<void>;
  deleteNamespace(name: string): Promise<void>;

  listNodes(): Promise<NodeLabels[]>;
  /** Merge-patches only these label keys: a string sets it, null removes it. */
  patchNodeLabels(node: string, changes: Readonly<Record<string, string | null>>): Promise<void>;

  getSecret(namespace: string, name: string): Promise<SecretInfo | null>;
  /** Secrets that carry the managed label, of any type, in any namespace. */
  listManagedSecrets(): Promise<SecretInfo[]>;
  /** Creates (or replaces, when `replace`) the managed pull secret. */
  putPullSecret(secret: PullSecret, replace: boolean): Promise<void>;
  deleteSecret(namespace: string, name: string): Promise<void>;

  getObject(ref: ObjectRef): Promise<{ readonly managed: boolean } | null>;
  /** Server-side apply of a whole object (the caller has added the managed label). */
  applyObject(obj: KubeObject): Promise<void>;
  /** Managed objects of these kinds, in any namespace. */
  listManagedObjects(kinds: readonly KindRef[]): Promise<ObjectRef[]>;
  deleteObject(ref: ObjectRef): Promise<void>;
}

export interface NamespaceInfo {
  readonly name: string;
  readonly managed: boolean;
  /** Being deleted (deletionTimestamp set): it cannot be used or recreated until it is gone. */
  readonly terminating: boolean;
}

export interface NodeLabels {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface SecretInfo {
  readonly namespace: string;
  readonly name: string;
  readonly managed: boolean;
  readonly type: string;
  /** The decoded `.dockerconfigjson`, or null when the secret has none. */
  readonly dockerConfigJson: string | null;
}

export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
}

export interface ObjectRef extends KindRef {
  readonly namespace: string;
  readonly name: string;
}

/** A Kubernetes object as the hub sends it (Application Management). */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
};
