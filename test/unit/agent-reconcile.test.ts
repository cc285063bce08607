import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/agent/log.js';
import { reconcile } from '../../src/agent/reconcile.js';
import { type Ack, Reconciler } from '../../src/agent/reconciler.js';
import type { DesiredState } from '../../src/agent-link/protocol.js';
import { FakeCluster } from '../helpers/fake-cluster.js';

function state(overrides: Partial<DesiredState> = {}): DesiredState {
  return { namespaces: [], nodeLabels: {}, pullSecrets: [], workloads: [], paused: false, ...overrides };
}

describe('reconcile rules (fake cluster)', () => {
  it('creates missing namespaces and deletes undesired managed ones, never unmanaged or terminating ones', async () => {
    const c = new FakeCluster();
    c.namespaces.set('ns9', { name: 'ns9', managed: false, terminating: false });
    c.namespaces.set('ns3', { name: 'ns3', managed: true, terminating: false });
    c.namespaces.set('ns4', { name: 'ns4', managed: true, terminating: true });
    assert.deepEqual(await reconcile(c, state({ namespaces: ['ns1', 'ns1'] })), []);
    assert.deepEqual(c.calls, ['create ns ns1', 'delete ns ns3']);
  });

  it('reports a desired namespace that exists unmanaged and puts nothing into it', async () => {
    const c = new FakeCluster();
    c.namespaces.set('ns5', { name: 'ns5', managed: false, terminating: false });
    const errors = await reconcile(
      c,
      state({
        namespaces: ['ns5'],
        pullSecrets: [{ namespace: 'ns5', name: 'r', dockerConfigJson: '{}' }],
        workloads: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'ns5' } }],
      }),
    );
    assert.equal(errors.length, 3, errors.join('; '));
    assert.deepEqual(c.calls, []);
  });

  it('a resync of an applied state writes nothing and reads no single object', async () => {
    const c = new FakeCluster();
    c.nodes.set('n1', {});
    const s = state({
      namespaces: ['ns1', 'ns2'],
      nodeLabels: { n1: ['gpu'] },
      pullSecrets: [{ namespace: 'ns1', name: 'r', dockerConfigJson: '{}' }],
      workloads: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'ns2' } }],
    });
    assert.deepEqual(await reconcile(c, s), []);
    assert.equal(c.reads.length, 2, 'the first apply checks the secret and the workload it is about to create');
    const before = c.calls.length;
    assert.deepEqual(await reconcile(c, s), []);
    assert.deepEqual(c.calls.slice(before), ['apply Deployment/ns2/w'], 'only the server-side apply (idempotent) is repeated');
    assert.equal(c.reads.length, 2, 'no GETs on a resync');
  });

  it('keeps going after a failure and returns every failure', async () => {
    const c = new FakeCluster();
    c.nodes.set('n1', {});
    c.failing.add('createNamespace');
    const errors = await reconcile(c, state({ namespaces: ['ns1'], nodeLabels: { n1: ['gpu'] } }));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /namespace ns1: createNamespace failed/);
    assert.deepEqual(c.nodes.get('n1'), { 'node.ote-stack.io/gpu': 'true' }, 'node labels still applied');
  });

  it('patches only the node.ote-stack.io keys that differ', async () => {
    const c = new FakeCluster();
    c.nodes.set('n1', { 'node.ote-stack.io/a': 'true', 'node.ote-stack.io/b': 'true', other: 'x' });
    c.nodes.set('n2', { 'node.ote-stack.io/a': 'true' });
    await reconcile(c, state({ nodeLabels: { n1: ['a', 'c'], n2: ['a'] } }));
    assert.deepEqual(c.calls, ['patch node n1 {"node.ote-stack.io/c":"true","node.ote-stack.io/b":null}']);
  });

  it('replaces a pull secret only when its content changed, and prunes only in managed namespaces', async () => {
    const c = new FakeCluster();
    c.namespaces.set('ns1', { name: 'ns1', managed: true, terminating: false });
    c.namespaces.set('other', { name: 'other', managed: false, terminating: false });
    const s = { namespace: 'ns1', name: 'r', dockerConfigJson: '{"auths":{}}' };
    c.secrets.set('other/stray', {
      namespace: 'other',
      name: 'stray',
      managed: true,
      type: 'kubernetes.io/dockerconfigjson',
      dockerConfigJson: '{}',
    });
    await reconcile(c, state({ namespaces: ['ns1'], pullSecrets: [s] }));
    await reconcile(c, state({ namespaces: ['ns1'], pullSecrets: [s] }));
    await reconcile(c, state({ namespaces: ['ns1'], pullSecrets: [{ ...s, dockerConfigJson: '{"auths":{"x":{}}}' }] }));
    await reconcile(c, state({ namespaces: ['ns1'] }));
    assert.deepEqual(c.calls, ['create secret ns1/r', 'replace secret ns1/r', 'delete secret ns1/r']);
  });
});

/** A reconciler whose timers the test fires by hand. */
function harness(apply: (s: DesiredState) => Promise<string[]>) {
  const acks: Ack[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const r = new Reconciler({
    apply,
    ack: (a) => acks.push(a),
    log: silentLogger,
    setTimer: (fn, ms) => {
      const t = { fn, ms };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => {
      const i = timers.indexOf(t as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
    random: () => 0.5,
  });
  return { r, acks, timers };
}

describe('Reconciler (newest wins, retries, paused)', () => {
  it('acks ok with the generation and remembers it', async () => {
    const { r, acks } = harness(async () => []);
    r.submit({ generation: 7, state: state() });
    await r.idle();
    assert.deepEqual(acks, [{ generation: 7, ok: true }]);
    assert.equal(r.appliedGeneration, 7);
  });

  it('skips states superseded while a reconcile runs', async () => {
    const applied: string[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((res) => {
      release = res;
    });
    const { r, acks } = harness(async (s) => {
      applied.push(s.namespaces);
      if (applied.length === 1) await gate;
      return [];
    });
    r.submit({ generation: 1, state: state({ namespaces: ['a'] }) });
    r.submit({ generation: 2, state: state({ namespaces: ['b'] }) });
    r.submit({ generation: 3, state: state({ namespaces: ['c'] }) });
    release();
    await r.idle();
    assert.deepEqual(applied, [['a'], ['c']]);
    assert.deepEqual(
      acks.map((a) => a.generation),
      [1, 3],
    );
  });

  it('acks a failure, retries after a backoff, and acks the success', async () => {
    let n = 0;
    const { r, acks, timers } = harness(async () => (++n < 3 ? [`boom ${n}`] : []));
    r.submit({ generation: 4, state: state() });
    await r.idle();
    assert.deepEqual(acks, [{ generation: 4, ok: false, error: 'boom 1' }]);
    assert.equal(timers.length, 1);
    assert.equal(timers[0].ms, 500, 'first retry: half of the 1 s ceiling with random 0.5');
    timers.shift()?.fn();
    await r.idle();
    assert.equal(timers[0].ms, 1000, 'the ceiling doubles');
    timers.shift()?.fn();
    await r.idle();
    assert.deepEqual(acks.at(-1), { generation: 4, ok: true });
    assert.deepEqual(
      timers.map((t) => t.ms),
      [300_000],
      'after success only the 5-minute resync is scheduled',
    );
    assert.equal(r.appliedGeneration, 4);
  });

  it('does not repeat an unchanged failure ack while retrying', async () => {
    const { r, acks, timers } = harness(async () => ['still broken']);
    r.submit({ generation: 1, state: state() });
    await r.idle();
    for (let i = 0; i < 3; i++) {
      timers.shift()?.fn();
      await r.idle();
    }
    assert.deepEqual(acks, [{ generation: 1, ok: false, error: 'still broken' }]);
    r.submit({ generation: 1, state: state() });
    await r.idle();
    assert.equal(acks.length, 2, 'a state the hub sends again (reconnect) is always answered');
  });

  it('re-applies the last state on the resync timer (drift repair), silently when nothing changed', async () => {
    let applies = 0;
    let fail = false;
    const { r, acks, timers } = harness(async () => {
      applies += 1;
      return fail ? ['drift could not be repaired'] : [];
    });
    r.submit({ generation: 2, state: state({ namespaces: ['ns1'] }) });
    await r.idle();
    timers.shift()?.fn();
    await r.idle();
    assert.equal(applies, 2);
    assert.deepEqual(acks, [{ generation: 2, ok: true }], 'an unchanged outcome is not re-acked');
    fail = true;
    timers.shift()?.fn();
    await r.idle();
    assert.deepEqual(acks.at(-1), { generation: 2, ok: false, error: 'drift could not be repaired' });
  });

  it('drops a pending retry when a newer state arrives', async () => {
    const { r, acks, timers } = harness(async (s) => (s.namespaces.length ? [] : ['fail']));
    r.submit({ generation: 1, state: state() });
    await r.idle();
    assert.equal(timers.length, 1);
    assert.equal(timers[0].ms, 500, 'a retry is pending');
    r.submit({ generation: 2, state: state({ namespaces: ['x'] }) });
    await r.idle();
    assert.deepEqual(
      timers.map((t) => t.ms),
      [300_000],
      'the retry is gone; only the resync remains',
    );
    assert.deepEqual(acks.at(-1), { generation: 2, ok: true });
  });

  it('applies and acks nothing while paused, and applies the resume', async () => {
    const applied: number[] = [];
    const { r, acks } = harness(async (s) => {
      applied.push(s.namespaces.length);
      return [];
    });
    r.submit({ generation: 1, state: state() });
    await r.idle();
    r.submit({ generation: 2, state: state({ namespaces: ['x'], paused: true }) });
    await r.idle();
    assert.equal(r.pausedGeneration, 2);
    assert.equal(r.appliedGeneration, 1);
    assert.deepEqual(
      acks.map((a) => a.generation),
      [1],
    );
    r.submit({ generation: 3, state: state({ namespaces: ['x'] }) });
    await r.idle();
    assert.deepEqual(applied, [0, 1]);
    assert.deepEqual(
      acks.map((a) => a.generation),
      [1, 3],
    );
    assert.equal(r.pausedGeneration, null);
  });
});
