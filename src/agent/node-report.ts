import type { V1Node } from '@kubernetes/client-node';
import type { NodeReport } from '../agent-link/protocol.js';
import { parseQuantity } from './quantity.js';

/** GPU feature discovery's label: memory of one GPU in MiB. */
export const GPU_MEMORY_LABEL = 'nvidia.com/gpu.memory';
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** What the hub learns about one Kubernetes Node (API.md §6). A value that does not parse counts as 0. */
export function toNodeReport(node: V1Node): NodeReport {
  const status = node.status ?? {};
  const capacity = status.capacity ?? {};
  const labels = { ...(node.metadata?.labels ?? {}) };
  const gpuMemory = parseQuantity(labels[GPU_MEMORY_LABEL]);
  const ready = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return {
    name: node.metadata?.name ?? '',
    osImage: status.nodeInfo?.osImage ?? '',
    kernelVersion: status.nodeInfo?.kernelVersion ?? '',
    internalIP: status.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
    cpu: nonNegative(parseQuantity(capacity.cpu)),
    memory: nonNegative(parseQuantity(capacity.memory)),
    disk: nonNegative(parseQuantity(capacity['ephemeral-storage'])),
    gpuCount: Math.floor(nonNegative(parseQuantity(capacity[GPU_RESOURCE]))),
    gpuMemoryMiB: gpuMemory !== null && gpuMemory >= 0 ? gpuMemory : null,
    ready,
    labels,
  };
}

function nonNegative(n: number | null): number {
  return n !== null && Number.isFinite(n) && n > 0 ? n : 0;
}
