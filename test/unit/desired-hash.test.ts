import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stableJson } from '../../src/agent-link/desired-builder.js';
import { chunks } from '../../src/lib/chunks.js';
import { inventoryHash } from '../../src/agent-link/inventory-store.js';
import type { DesiredState, NodeReport } from '../../src/agent-link/protocol.js';

const state = (o: Partial<DesiredState> = {}): DesiredState => ({
  namespaces: ['ns1', 'ns2'],
  nodeLabels: { a: ['gpu'] },
  pullSecrets: [],
  workloads: [{ kind: 'Deployment', metadata: { name: 'x', namespace: 'ns1' } }],
  paused: false,
  ...o,
});

describe('desired-state keys (the generation moves only when the state changes)', () => {
  it('ignores the key order of objects, not the content', () => {
    const a = stableJson(state());
    const b = stableJson(state({ workloads: [{ metadata: { namespace: 'ns1', name: 'x' }, kind: 'Deployment' }] }));
    assert.equal(a, b);
    assert.notEqual(a, stableJson(state({ paused: true })));
    assert.notEqual(a, stableJson(state({ namespaces: ['ns1'] })));
    assert.notEqual(a, stableJson(state({ nodeLabels: { a: ['gpu', 'camera'] } })));
    assert.notEqual(a, stableJson(state({ workloads: [{ kind: 'Deployment', metadata: { name: 'y', namespace: 'ns1' } }] })));
  });

  it('hashes a node inventory independently of report order, and sees every field', () => {
    const n = (name: string, o: Partial<NodeReport> = {}): NodeReport => ({
      name,
      osImage: 'os',
      kernelVersion: 'k',
      internalIP: '10.0.0.1',
      cpu: 2,
      memory: 1,
      disk: 1,
      gpuCount: 0,
      gpuMemoryMiB: null,
      ready: true,
      labels: { b: '2', a: '1' },
      ...o,
    });
    assert.equal(inventoryHash([n('x'), n('y')]), inventoryHash([n('y'), n('x', { labels: { a: '1', b: '2' } })]));
    assert.notEqual(inventoryHash([n('x')]), inventoryHash([n('x', { ready: false })]));
    assert.notEqual(inventoryHash([n('x')]), inventoryHash([n('x', { gpuMemoryMiB: 1 })]));
  });

  it('splits id lists into bounded chunks', () => {
    assert.deepEqual(chunks([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunks([], 2), []);
  });
});
