import type { AppSpec, OnFailure } from './schemas.js';

/** A rollout's failure policy: `onFailure`, else the older `pauseOnFailure` (true: pause, false: continue), else pause. */
export function onFailureOf(rollout: { onFailure?: OnFailure; pauseOnFailure?: boolean } | undefined): OnFailure {
  if (rollout?.onFailure) return rollout.onFailure;
  return rollout?.pauseOnFailure === false ? 'continue' : 'pause';
}

/** The spec as a revision stores it: the rollout's effective `onFailure` written out, so history shows the policy. */
export function normalized<T extends AppSpec>(spec: T): T {
  if (!spec.rollout) return spec;
  return { ...spec, rollout: { ...spec.rollout, onFailure: onFailureOf(spec.rollout) } };
}

/** A rollout moves batch by batch when it has a batch size or a canary batch; otherwise every cluster at once. */
export const isBatched = (rollout: { batchSize?: number; canary?: unknown } | undefined): boolean =>
  !!rollout && (rollout.batchSize !== undefined || rollout.canary !== undefined);

/**
 * The rules of a spec that a JSON schema cannot say (cross-field and
 * platform-dependent ones). Pure: answers `field: why` pairs, empty when valid.
 */
export interface SpecContext {
  /** The platform setting `enableIngress`. */
  readonly enableIngress: boolean;
  /** OTE_REGISTRY_DOMAIN, when a platform registry is configured. */
  readonly registryDomain?: string;
}

/** A first path component with "." or ":" or equal to "localhost" names a registry host (Docker's rule). */
export function isFullReference(image: string): boolean {
  const slash = image.indexOf('/');
  if (slash < 0) return false;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/**
 * The `project/repo` an image names in the platform registry, or null for another registry:
 * a short `project/repo`, or a full reference on the platform's own domain (the `imageAddress`
 * the repository listing shows), which needs the same pull secret and project rule.
 */
export function platformRepository(image: string, registryDomain: string | undefined): string | null {
  if (!isFullReference(image)) return image;
  const slash = image.indexOf('/');
  const domain = registryDomain?.replace(/\/+$/, '').toLowerCase();
  return domain && image.slice(0, slash).toLowerCase() === domain ? image.slice(slash + 1) : null;
}

/** The image reference the agent pulls: platform `project/repo` gets the registry domain; a full one is kept. */
export function resolveImage(image: string, tag: string, registryDomain: string | undefined): string {
  const repo = isFullReference(image) ? image : `${(registryDomain ?? '').replace(/\/+$/, '')}/${image}`;
  return `${repo}:${tag}`;
}

export function specProblems(spec: AppSpec, ctx: SpecContext): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isFullReference(spec.image)) {
    if (!spec.image.includes('/')) {
      out.image = 'must be "project/repo" of the platform registry or a full reference with a registry host';
    } else if (!ctx.registryDomain) {
      out.image =
        'names the platform registry, which is not configured (OTE_REGISTRY_DOMAIN or OTE_REGISTRY_URL); give a full reference';
    }
  }
  const ports = new Set<string>();
  for (const [i, p] of spec.ports.entries()) {
    const key = `${p.containerPort}/${p.protocol}`;
    if (ports.has(key)) out[`ports[${i}]`] = `duplicates ${key}`;
    ports.add(key);
  }
  if (spec.cpu !== undefined && !isMillicores(spec.cpu)) out.cpu = 'must be a multiple of 0.001 cores (one millicore)';
  for (const [i, o] of (spec.overrides ?? []).entries()) {
    if (o.cpu !== undefined && !isMillicores(o.cpu))
      out[`overrides[${i}].cpu`] = 'must be a multiple of 0.001 cores (one millicore)';
    if (o.replicas !== undefined && spec.kind === 'DaemonSet') {
      out[`overrides[${i}].replicas`] = 'does not apply to a DaemonSet (one pod per selected node)';
    }
    if (Object.keys(o).length === 1) out[`overrides[${i}]`] = 'must set at least one of replicas, tag, env, cpu, memory';
  }
  const r = spec.rollout;
  if (r?.onFailure !== undefined && r.pauseOnFailure !== undefined && (r.pauseOnFailure ? 'pause' : 'continue') !== r.onFailure) {
    out['rollout.pauseOnFailure'] =
      `contradicts rollout.onFailure "${r.onFailure}" (pauseOnFailure is its older spelling: true means "pause", false "continue"); give one`;
  }
  const names = new Set<string>();
  const mounts = new Set<string>();
  for (const [i, v] of spec.volumes.entries()) {
    if (names.has(v.name)) out[`volumes[${i}].name`] = `duplicates "${v.name}"`;
    if (mounts.has(v.mountPath)) out[`volumes[${i}].mountPath`] = `duplicates "${v.mountPath}"`;
    for (const f of ['hostPath', 'mountPath'] as const) {
      if (v[f].split('/').includes('..')) out[`volumes[${i}].${f}`] = 'must not contain ".."';
    }
    names.add(v.name);
    mounts.add(v.mountPath);
  }
  if (spec.kind === 'DaemonSet') {
    // Kubernetes' DaemonSet defaults (maxUnavailable 1, maxSurge 0) and rule: a rolling update either
    // drops pods or surges them, never neither nor both; the edge apiserver would refuse the object.
    const unavailable = !isZero(spec.maxUnavailable ?? 1);
    const surge = !isZero(spec.maxSurge ?? 0);
    if (!unavailable && !surge) {
      out.maxUnavailable = 'must not be 0 for a DaemonSet unless maxSurge is above 0 (the update could never progress)';
    } else if (unavailable && surge) {
      out.maxSurge =
        'must be 0 for a DaemonSet unless maxUnavailable is 0 (Kubernetes allows one of the two; maxUnavailable defaults to 1)';
    }
  } else if (isZero(spec.maxSurge) && isZero(spec.maxUnavailable)) {
    out.maxUnavailable = 'must not be 0 when maxSurge is 0 (the rollout could never progress)';
  }
  if (spec.ingress) {
    if (!ctx.enableIngress) {
      out.ingress = 'is not accepted while the platform setting enableIngress is off';
    } else if (!spec.ports.some((p) => p.containerPort === spec.ingress?.port && p.protocol === 'TCP')) {
      out['ingress.port'] = "must be one of the application's TCP ports";
    }
  }
  return out;
}

const isMillicores = (cpu: number): boolean => Math.abs(Math.round(cpu * 1000) - cpu * 1000) <= 1e-6;

const isZero = (v: number | string | undefined): boolean => v === 0 || v === '0%';
