import { MANAGED_BY, NODE_LABEL_PREFIX } from '../agent-link/protocol.js';
import { namespaceOf } from '../businesses/desired.js';
import { PLATFORM_PULL_SECRET } from '../repository/pull-secrets.js';
import { platformRepository, resolveImage } from './rules.js';
import type { AppSpec } from './schemas.js';

/** Labels OTE puts on application objects; the selector one never changes, so revisions roll in place. */
const APP_LABEL = 'app.ote-stack.io/app';
export const APP_ID_LABEL = 'app.ote-stack.io/id';
export const REVISION_LABEL = 'app.ote-stack.io/revision';

export interface WorkloadInput {
  readonly appId: number;
  readonly businessId: number;
  readonly appName: string;
  /** The revision this cluster runs, and its spec. */
  readonly revision: number;
  readonly spec: AppSpec;
  /** Effective replicas (scaling changes them without a revision). */
  readonly replicas: number;
  readonly registryDomain: string | undefined;
  readonly enableIngress: boolean;
  /** The cluster the objects are for: overrides select by its labels, `${CLUSTER_NAME}` becomes its name. */
  readonly cluster: ClusterContext;
}

/** What of a cluster the renderer reads (the agent link's ClusterFacts has both). */
export interface ClusterContext {
  readonly name: string;
  readonly labels: readonly string[];
}

/** The placeholder that becomes the cluster's name in env values and args (API.md §8.1). */
export const CLUSTER_NAME_VAR = '${CLUSTER_NAME}';

/** Does an override apply to a cluster with these labels ("all": every cluster)? */
const overrideApplies = (clusterLabel: string, labels: readonly string[]): boolean =>
  clusterLabel === 'all' || labels.includes(clusterLabel);

/** Can `${CLUSTER_NAME}` end up where specForCluster substitutes it: args, env, or an override's env? */
function namesCluster(spec: AppSpec): boolean {
  const inEnv = (env: Readonly<Record<string, string>> | undefined) =>
    env !== undefined && Object.values(env).some((v) => v.includes(CLUSTER_NAME_VAR));
  return (
    spec.args.some((a) => a.includes(CLUSTER_NAME_VAR)) || inEnv(spec.env) || (spec.overrides ?? []).some((o) => inEnv(o.env))
  );
}

/** Do this spec's objects differ from cluster to cluster (overrides, or the cluster's name)? */
export function dependsOnCluster(spec: AppSpec): boolean {
  return (spec.overrides ?? []).length > 0 || namesCluster(spec);
}

/**
 * Everything of the cluster that `buildObjects` reads for this spec, as one
 * key text: which of the spec's overrides apply (by the cluster's labels, in
 * order) and, when `${CLUSTER_NAME}` may be substituted, the cluster's name;
 * '' when the objects are the same on every cluster. Two clusters with equal
 * keys get equal objects from the same input, so a render cache may share them
 * (apps/desired.ts). Kept next to `specForCluster`: a cluster fact the
 * renderer reads but this key leaves out would hand one cluster another's objects.
 */
export function clusterRenderKey(spec: AppSpec, cluster: ClusterContext): string {
  let key = '';
  for (const o of spec.overrides ?? []) key += overrideApplies(o.clusterLabel, cluster.labels) ? '1' : '0';
  // Cluster names never hold '|' (API.md §3), and the override part is only 0s and 1s.
  if (namesCluster(spec)) key += `|${cluster.name}`;
  return key;
}

/**
 * The spec as one cluster runs it: every override whose clusterLabel the
 * cluster carries ("all": every cluster), in order, later wins, `env` merged
 * by name; then `${CLUSTER_NAME}` in env values and args. An override's
 * `replicas` replaces the application's effective (possibly scaled) count.
 */
export function specForCluster(spec: AppSpec, replicas: number, cluster: ClusterContext): { spec: AppSpec; replicas: number } {
  let s: AppSpec = spec;
  let n = replicas;
  for (const o of spec.overrides ?? []) {
    if (!overrideApplies(o.clusterLabel, cluster.labels)) continue;
    s = {
      ...s,
      ...(o.tag !== undefined ? { tag: o.tag } : {}),
      ...(o.cpu !== undefined ? { cpu: o.cpu } : {}),
      ...(o.memory !== undefined ? { memory: o.memory } : {}),
      ...(o.env !== undefined ? { env: { ...s.env, ...o.env } } : {}),
    };
    if (o.replicas !== undefined) n = o.replicas;
  }
  const sub = (v: string) => v.split(CLUSTER_NAME_VAR).join(cluster.name);
  s = { ...s, args: s.args.map(sub), env: Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, sub(v)])) };
  return { spec: s, replicas: n };
}

type Obj = Record<string, unknown>;

/** Kubernetes object names are lower case; app names are unique per business case-insensitively. */
export const objectName = (appName: string): string => appName.toLowerCase();

/** Service names must start with a letter (DNS-1035); an app name may start with a digit. */
export function serviceName(appName: string): string {
  const n = objectName(appName);
  return /^[a-z]/.test(n) ? n : `a${n}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * The Kubernetes objects of one application in one cluster (API.md §8): an
 * `apps/v1` Deployment or DaemonSet, a Service when ports are given, an
 * Ingress when asked for and allowed. THE renderer: the agents' desired
 * state, the preview and its diff all call it, so what an admin previews is
 * what the agent applies. Pure: unit-tested field by field.
 */
export function buildObjects(input: WorkloadInput): Obj[] {
  const local = specForCluster(input.spec, input.replicas, input.cluster);
  const i: WorkloadInput = { ...input, spec: local.spec, replicas: local.replicas };
  const name = objectName(i.appName);
  const namespace = namespaceOf(i.businessId);
  const s = i.spec;
  const common = { [MANAGED_BY.key]: MANAGED_BY.value, [APP_LABEL]: name, [APP_ID_LABEL]: String(i.appId) };
  const metadata = { name, namespace, labels: { ...common, [REVISION_LABEL]: String(i.revision) } };
  const out: Obj[] = [];

  const rolling = rollingUpdate(s);
  const podSpec = podSpecOf(i, name);
  const template = { metadata: { labels: { ...common, [REVISION_LABEL]: String(i.revision) } }, spec: podSpec };
  const selector = { matchLabels: { [APP_LABEL]: name } };
  if (s.kind === 'DaemonSet') {
    out.push({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata,
      spec: {
        selector,
        updateStrategy: { type: 'RollingUpdate', ...(rolling ? { rollingUpdate: rolling } : {}) },
        template,
      },
    });
  } else {
    out.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: i.replicas,
        selector,
        strategy: { type: 'RollingUpdate', ...(rolling ? { rollingUpdate: rolling } : {}) },
        // The Deployment's own deadline gives the "Progressing=False" reason the agent reports.
        progressDeadlineSeconds: s.rollout?.progressDeadlineSeconds ?? 600,
        template,
      },
    });
  }

  if (s.ports.length > 0) {
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: serviceName(i.appName), namespace, labels: common },
      spec: {
        type: 'ClusterIP',
        selector: { [APP_LABEL]: name },
        ports: s.ports.map((p) => ({
          name: `${p.protocol.toLowerCase()}-${p.containerPort}`,
          port: p.containerPort,
          targetPort: p.containerPort,
          protocol: p.protocol,
        })),
      },
    });
  }

  if (s.ingress && i.enableIngress && s.ports.length > 0) {
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace, labels: common },
      spec: {
        rules: [
          {
            host: s.ingress.host,
            http: {
              paths: [
                {
                  path: s.ingress.path,
                  pathType: 'Prefix',
                  backend: { service: { name: serviceName(i.appName), port: { number: s.ingress.port } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
  return out;
}

function podSpecOf(i: WorkloadInput, name: string): Obj {
  const s = i.spec;
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (s.cpu !== undefined) requests.cpu = limits.cpu = `${Math.round(s.cpu * 1000)}m`;
  if (s.memory !== undefined) requests.memory = limits.memory = String(s.memory);
  if (s.gpu) limits['nvidia.com/gpu'] = String(s.gpu);

  const container: Obj = {
    name,
    image: resolveImage(s.image, s.tag, i.registryDomain),
    imagePullPolicy: 'IfNotPresent',
  };
  if (s.command.length > 0) container.command = s.command;
  if (s.args.length > 0) container.args = s.args;
  if (s.ports.length > 0) container.ports = s.ports.map((p) => ({ containerPort: p.containerPort, protocol: p.protocol }));
  const env = Object.keys(s.env).sort();
  if (env.length > 0) container.env = env.map((k) => ({ name: k, value: s.env[k] }));
  if (Object.keys(limits).length > 0) container.resources = { ...(Object.keys(requests).length ? { requests } : {}), limits };
  if (s.volumes.length > 0) {
    container.volumeMounts = s.volumes.map((v) => ({ name: v.name, mountPath: v.mountPath, readOnly: v.readOnly }));
  }

  const pod: Obj = { containers: [container] };
  const pullSecrets: { name: string }[] = [];
  if (platformRepository(s.image, i.registryDomain) !== null) pullSecrets.push({ name: PLATFORM_PULL_SECRET });
  if (s.repositoryId) pullSecrets.push({ name: s.repositoryId });
  if (pullSecrets.length > 0) pod.imagePullSecrets = pullSecrets;
  if (s.nodeLabel) pod.nodeSelector = { [`${NODE_LABEL_PREFIX}${s.nodeLabel}`]: 'true' };
  if (s.volumes.length > 0) pod.volumes = s.volumes.map((v) => ({ name: v.name, hostPath: { path: v.hostPath } }));
  return pod;
}

function rollingUpdate(s: AppSpec): Obj | null {
  const r: Obj = {};
  if (s.maxSurge !== undefined) r.maxSurge = s.maxSurge;
  if (s.maxUnavailable !== undefined) r.maxUnavailable = s.maxUnavailable;
  return Object.keys(r).length > 0 ? r : null;
}
