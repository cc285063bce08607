import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { type DesiredStateContributor, buildDesired, stableJson } from '../../src/agent-link/desired-builder.js';
import { inventoryHash } from '../../src/agent-link/inventory-store.js';
import type { DesiredState, NodeReport } from '../../src/agent-link/protocol.js';
import { stateHash } from '../../src/agent-link/state-hash.js';
import type { Database } from '../../src/db/types.js';
import { chunks } from '../../src/lib/chunks.js';

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

describe('buildDesired (contributors, no database)', () => {
  const db = {} as Kysely<Database>;
  const facts = [
    { id: 1, name: 'a', paused: false, labels: ['edge'] },
    { id: 2, name: 'b', paused: true, labels: [] },
  ];
  const ns = ['ns2', 'ns1'];
  const contributors: DesiredStateContributor[] = [
    { name: 'ns', contribute: async (_db, cs) => new Map(cs.map((c) => [c.id, { namespaces: ns }])) },
    { name: 'labels', contribute: async () => new Map([[1, { nodeLabels: { n2: ['gpu', 'camera'], n1: ['x'] } }]]) },
    {
      name: 'secrets',
      contribute: async (_db, cs) =>
        new Map(cs.map((c) => [c.id, { pullSecrets: [{ namespace: 'ns1', name: 'z', dockerConfigJson: '{}' }] }])),
    },
  ];

  it('sums the parts, canonically ordered', async () => {
    const built = await buildDesired(db, facts, contributors);
    assert.deepEqual(built.get(1)?.state, {
      namespaces: ['ns1', 'ns2'],
      nodeLabels: { n1: ['x'], n2: ['camera', 'gpu'] },
      pullSecrets: [{ namespace: 'ns1', name: 'z', dockerConfigJson: '{}' }],
      workloads: [],
      paused: false,
    });
    assert.deepEqual(built.get(2)?.state.nodeLabels, {});
    assert.equal(built.get(2)?.state.paused, true);
  });

  it('hashes the state by its objects: the layout of state-hash.ts, whatever order objects come in', async () => {
    const built = await buildDesired(db, facts, contributors);
    const sha = (x: string) => createHash('sha256').update(x).digest('hex');
    const secret = { namespace: 'ns1', name: 'z', dockerConfigJson: '{}' };
    const lines = [
      'ote.desired.v2',
      `namespaces ${sha('["ns1","ns2"]')}`,
      `nodeLabels ${sha('[["n1",["x"]],["n2",["camera","gpu"]]]')}`,
      'paused 0',
      `secret ns1/z ${sha(stableJson(secret))}`,
    ];
    assert.equal(built.get(1)?.hash, sha(lines.join('\n')));
    assert.equal(built.get(1)?.hash, stateHash(built.get(1)!.state));
    assert.notEqual(built.get(1)?.hash, built.get(2)?.hash);
    const a = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'ns1' } };
    const b = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'ns1', name: 'b' }, spec: { replicas: 1 } };
    const base = built.get(1)!.state;
    assert.equal(
      stateHash({ ...base, workloads: [a, b] }),
      stateHash({ ...base, workloads: [structuredClone(b), structuredClone(a)] }),
    );
    assert.notEqual(
      stateHash({ ...base, workloads: [a, b] }),
      stateHash({ ...base, workloads: [a, { ...b, spec: { replicas: 2 } }] }),
    );
    assert.notEqual(stateHash({ ...base, workloads: [a, b] }), stateHash({ ...base, workloads: [a] }));
    assert.notEqual(stateHash(base), stateHash({ ...base, paused: true }));
  });

  it('hashes a frozen (shared) workload list as the same list unfrozen, and by the layout', async () => {
    const built = await buildDesired(db, facts, contributors);
    const base = built.get(1)!.state;
    const sha = (x: string) => createHash('sha256').update(x).digest('hex');
    const a = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'ns1' } };
    const b = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'ns1', name: 'b' } };
    const shared = Object.freeze([b, a] as Record<string, unknown>[]) as Record<string, unknown>[];
    const expected = sha(
      [
        'ote.desired.v2',
        `namespaces ${sha('["ns1","ns2"]')}`,
        `nodeLabels ${sha('[["n1",["x"]],["n2",["camera","gpu"]]]')}`,
        'paused 0',
        `secret ns1/z ${sha(stableJson(base.pullSecrets[0]))}`,
        `object apps/v1/Deployment/ns1/b ${sha(stableJson(b))}`,
        `object v1/Service/ns1/a ${sha(stableJson(a))}`,
      ].join('\n'),
    );
    assert.equal(stateHash({ ...base, workloads: [b, a] }), expected);
    assert.equal(stateHash({ ...base, workloads: shared }), expected, 'first time: written and kept');
    assert.equal(stateHash({ ...base, workloads: shared }), expected, 'again: from what was kept');
    // What else the state holds still counts with a kept list.
    assert.notEqual(stateHash({ ...base, workloads: shared, paused: true }), expected);
    assert.notEqual(stateHash({ ...base, workloads: shared, nodeLabels: {} }), expected);
    // A list that is not frozen may change: it is written anew each time.
    const open = [a];
    const before = stateHash({ ...base, workloads: open });
    open.push(b);
    assert.equal(stateHash({ ...base, workloads: open }), expected);
    assert.notEqual(before, expected);
  });
});
