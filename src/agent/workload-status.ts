import type { KubernetesObject } from '@kubernetes/client-node';
import { MAX_MESSAGE, type WorkloadStatus } from '../agent-link/protocol.js';

interface WorkloadLike extends KubernetesObject {
  spec?: { replicas?: number };
  status?: Record<string, unknown>;
}

/** The status of a Deployment or DaemonSet OTE manages, in the protocol's shape. */
export function toWorkloadStatus(obj: WorkloadLike): WorkloadStatus {
  const s = obj.status ?? {};
  // Within the protocol's bounds (an integer column on both engines): anything else would be a 4003.
  const num = (v: unknown): number =>
    typeof v === 'number' && Number.isFinite(v) ? Math.min(Math.max(Math.trunc(v), 0), 2 ** 31 - 1) : 0;
  const daemonSet = obj.kind === 'DaemonSet';
  const conditions = Array.isArray(s.conditions) ? (s.conditions as { status?: string; message?: string }[]) : [];
  return {
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    kind: obj.kind ?? '',
    generation: num(obj.metadata?.generation),
    observedGeneration: num(s.observedGeneration),
    desiredReplicas: daemonSet ? num(s.desiredNumberScheduled) : num(obj.spec?.replicas ?? 1),
    updatedReplicas: daemonSet ? num(s.updatedNumberScheduled) : num(s.updatedReplicas),
    readyReplicas: daemonSet ? num(s.numberReady) : num(s.readyReplicas),
    availableReplicas: daemonSet ? num(s.numberAvailable) : num(s.availableReplicas),
    // The first failing condition says why a rollout is stuck; empty when all is well.
    message: String(conditions.find((c) => c.status === 'False')?.message ?? '')
      .replaceAll('\u0000', '')
      .slice(0, MAX_MESSAGE),
    labels: obj.metadata?.labels ?? {},
  };
}
