import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1NodeSystemInfo } from '@kubernetes/client-node';
import { backoffDelay } from '../../src/agent/backoff.js';
import { connectUrl } from '../../src/agent/hub-connection.js';
import { toNodeReport } from '../../src/agent/node-report.js';
import { parseQuantity } from '../../src/agent/quantity.js';

describe('parseQuantity (Kubernetes resource quantities)', () => {
  const cases: [string, number][] = [
    ['4', 4],
    ['3500m', 3.5],
    ['250m', 0.25],
    ['0.5', 0.5],
    ['16Gi', 16 * 2 ** 30],
    ['16384Ki', 16384 * 1024],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['2Ti', 2 * 2 ** 40],
    ['1e9', 1e9],
    ['1E3', 1000],
    ['5e-3', 0.005],
    ['1G', 1e9],
    ['128k', 128_000],
    ['100M', 1e8],
    ['1E', 1e18],
    ['.5', 0.5],
    ['+2', 2],
    ['100n', 1e-7],
  ];
  for (const [text, value] of cases) {
    it(`${text} = ${value}`, () => {
      const got = parseQuantity(text);
      assert.ok(got !== null && Math.abs(got - value) <= Math.abs(value) * 1e-12, `${text} → ${got}`);
    });
  }
  it('rejects what is not a quantity', () => {
    for (const bad of ['', 'abc', '1GB', '1 Gi', 'Gi', '1ki', '1.2.3', '--1', undefined, null]) {
      assert.equal(parseQuantity(bad), null, String(bad));
    }
  });
});

describe('toNodeReport', () => {
  it('reads name, OS, kernel, internal IP, capacity, GPUs, Ready and labels', () => {
    const node: V1Node = {
      metadata: { name: 'n1', labels: { 'nvidia.com/gpu.memory': '81920', 'node.ote-stack.io/a100': 'true' } },
      status: {
        capacity: { cpu: '7500m', memory: '32Gi', 'ephemeral-storage': '102400Mi', 'nvidia.com/gpu': '4' },
        addresses: [
          { type: 'Hostname', address: 'n1' },
          { type: 'InternalIP', address: '192.168.1.20' },
        ],
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        // Only the fields the report reads.
        nodeInfo: { osImage: 'Ubuntu 22.04', kernelVersion: '5.15.0' } as V1NodeSystemInfo,
      },
    };
    assert.deepEqual(toNodeReport(node), {
      name: 'n1',
      osImage: 'Ubuntu 22.04',
      kernelVersion: '5.15.0',
      internalIP: '192.168.1.20',
      cpu: 7.5,
      memory: 32 * 2 ** 30,
      disk: 100 * 2 ** 30,
      gpuCount: 4,
      gpuMemoryMiB: 81920,
      ready: true,
      labels: { 'nvidia.com/gpu.memory': '81920', 'node.ote-stack.io/a100': 'true' },
    });
  });

  it('reports a node without status as empty, not ready, with no GPU memory', () => {
    const r = toNodeReport({ metadata: { name: 'bare' } });
    assert.equal(r.ready, false);
    assert.equal(r.cpu, 0);
    assert.equal(r.gpuCount, 0);
    assert.equal(r.gpuMemoryMiB, null);
    assert.equal(r.internalIP, '');
  });

  it('counts Ready=Unknown as not ready and ignores an unparsable quantity', () => {
    const r = toNodeReport({
      metadata: { name: 'x', labels: { 'nvidia.com/gpu.memory': 'lots' } },
      status: { capacity: { cpu: 'many' }, conditions: [{ type: 'Ready', status: 'Unknown' }] },
    });
    assert.equal(r.ready, false);
    assert.equal(r.cpu, 0);
    assert.equal(r.gpuMemoryMiB, null);
  });
});

describe('backoffDelay (full jitter)', () => {
  const policy = { baseMs: 500, capMs: 30_000 };
  it('doubles the ceiling per attempt up to the cap', () => {
    const ceilings = [0, 1, 2, 3, 6, 7, 20, 1000].map((a) => backoffDelay(policy, a, () => 0.999999));
    assert.deepEqual(ceilings, [499, 999, 1999, 3999, 29999, 29999, 29999, 29999]);
  });
  it('spreads the wait uniformly from 0', () => {
    assert.equal(
      backoffDelay(policy, 5, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(policy, 3, () => 0.5),
      2000,
    );
  });
});

describe('connectUrl', () => {
  it('maps http to ws and https to wss, keeping host, port and a path prefix', () => {
    assert.equal(connectUrl('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/v1/agent/connect');
    assert.equal(connectUrl('https://hub.example/ote/'), 'wss://hub.example/ote/v1/agent/connect');
    assert.equal(connectUrl('https://hub.example?x=1'), 'wss://hub.example/v1/agent/connect');
  });
  it('refuses another scheme', () => {
    assert.throws(() => connectUrl('ftp://hub'), /scheme/);
  });
});
