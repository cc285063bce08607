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
    // Clamped to the protocol's bounds: a report out of them would be a protocol error (4003).
    cpu: Math.min(nonNegative(parseQuantity(capacity.cpu)), 2 ** 20),
    memory: Math.min(nonNegative(parseQuantity(capacity.memory)), Number.MAX_SAFE_INTEGER),
    disk: Math.min(nonNegative(parseQuantity(capacity['ephemeral-storage'])), Number.MAX_SAFE_INTEGER),
    gpuCount: Math.min(Math.floor(nonNegative(parseQuantity(capacity[GPU_RESOURCE]))), 1024),
    gpuMemoryMiB: gpuMemory !== null && gpuMemory >= 0 ? Math.min(gpuMemory, 2 ** 20) : null,
    ready,
    labels,
  };
}

function nonNegative(n: number | null): number {
  return n !== null && Number.isFinite(n) && n > 0 ? n : 0;
}
