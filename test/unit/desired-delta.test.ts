import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DesiredStateCopy } from '../../src/agent/desired-state.js';
import { deltaFrame, fullFrame, stateJson } from '../../src/agent-link/frames.js';
import type { DeltaMessage, DesiredMessage, DesiredState } from '../../src/agent-link/protocol.js';
import { stateHash } from '../../src/agent-link/state-hash.js';
import { renderFactsKey } from '../../src/apps/desired.js';
import { buildObjects } from '../../src/apps/objects.js';
import type { AppSpec } from '../../src/apps/schemas.js';

const deploy = (name: string, image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'ns1' },
  spec: { template: { spec: { containers: [{ name, image }] } } },
});
const service = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns1' },
  spec: { ports: [{ port: 80 }] },
});
const secret = (name: string, v = '{}') => ({ namespace: 'ns1', name, dockerConfigJson: v });

const base: DesiredState = {
  namespaces: ['ns1', 'ns2'],
  nodeLabels: { n1: ['gpu'] },
  pullSecrets: [secret('a'), secret('b')],
  workloads: [deploy('web', 'web:1'), service('web'), deploy('db', 'db:1')],
  paused: false,
};

function full(generation: number, s: DesiredState): DesiredMessage {
  return JSON.parse(fullFrame(generation, stateJson(s), stateHash(s))) as DesiredMessage;
}
const delta = (g: number, b: number, before: DesiredState, after: DesiredState) =>
  JSON.parse(deltaFrame(g, b, before, after, stateHash(after))) as DeltaMessage;

describe('delta frames (hub side)', () => {
  it('writes the full state byte for byte as JSON.stringify would', () => {
    assert.equal(stateJson(base), JSON.stringify(base));
    assert.equal(fullFrame(3, stateJson(base), null), JSON.stringify({ type: 'desired', generation: 3, state: base }));
  });

  it('carries only what changed: objects put and removed by key, parts replaced', () => {
    const next: DesiredState = {
      ...base,
      pullSecrets: [secret('a'), secret('b', '{"x":1}')],
      // web's Deployment changes, its Service is the same content in a new object, db goes, cache comes.
      workloads: [deploy('web', 'web:2'), structuredClone(service('web')), deploy('cache', 'redis:7')],
    };
    const d = delta(5, 4, base, next);
    assert.deepEqual(
      d.workloads?.put.map((o) => `${String(o.kind)}/${(o.metadata as { name: string }).name}`),
      ['Deployment/web', 'Deployment/cache'],
    );
    assert.deepEqual(d.workloads?.remove, ['apps/v1/Deployment/ns1/db']);
    assert.deepEqual(d.pullSecrets, { put: [secret('b', '{"x":1}')], remove: [] });
    assert.equal(d.namespaces, undefined);
    assert.equal(d.nodeLabels, undefined);
    assert.equal(d.paused, undefined);
    assert.equal(d.baseGeneration, 4);
  });

  it('sends namespaces, node labels and paused whole when they change', () => {
    const next = { ...base, namespaces: ['ns1'], nodeLabels: { n1: ['gpu', 'x'] }, paused: true };
    const d = delta(2, 1, base, next);
    assert.deepEqual([d.namespaces, d.nodeLabels, d.paused], [['ns1'], { n1: ['gpu', 'x'] }, true]);
    assert.equal(d.workloads, undefined, 'no object changed');
  });
});

describe('the agent copy of its desired state', () => {
  it('assembles deltas into the state the hub hashed', () => {
    const copy = new DesiredStateCopy();
    const s1 = copy.take(full(1, base));
    assert.deepEqual(s1, { generation: 1, state: base });
    const next: DesiredState = { ...base, workloads: [deploy('web', 'web:2'), service('web')], pullSecrets: [secret('a')] };
    const s2 = copy.take(delta(2, 1, base, next));
    assert.ok(s2 && 'state' in s2);
    assert.equal(s2.generation, 2);
    assert.equal(stateHash(s2.state), stateHash(next));
    assert.deepEqual(
      s2.state.workloads.map((o) => (o.metadata as { name: string }).name),
      ['web', 'web'],
    );
    const third = { ...next, paused: true };
    const s3 = copy.take(delta(3, 2, next, third));
    assert.ok(s3 && 'state' in s3 && s3.state.paused);
  });

  it('asks for the full state on a hash that differs, and applies nothing until it comes', () => {
    const copy = new DesiredStateCopy();
    copy.take(full(1, base));
    const next = { ...base, workloads: [deploy('web', 'web:2')] };
    const wrong = { ...delta(2, 1, base, next), hash: stateHash(base) };
    const r = copy.take(wrong);
    assert.ok(r && 'resync' in r);
    assert.match(r.resync, /does not match/);
    assert.equal(copy.take(delta(3, 2, next, base)), null, 'later deltas wait for the full state');
    const back = copy.take(full(3, base));
    assert.deepEqual(back, { generation: 3, state: base });
    const again = copy.take(delta(4, 3, base, next));
    assert.ok(again && 'state' in again, 'deltas apply again on the new base');
  });

  it('asks for the full state on a base it does not hold, or before any full state', () => {
    const copy = new DesiredStateCopy();
    const early = copy.take(delta(2, 1, base, base));
    assert.ok(early && 'resync' in early);
    copy.reset();
    copy.take(full(5, base));
    const r = copy.take(delta(7, 6, base, base));
    assert.ok(r && 'resync' in r);
    assert.match(r.resync, /holds 5/);
  });
});

describe('render facts (the rendered-object cache key)', () => {
  const spec = (o: Partial<AppSpec> & Record<string, unknown> = {}) =>
    ({ appName: 'web', image: 'p/web', tag: '1', env: {}, args: [], ...o }) as unknown as AppSpec;
  const c = (name: string, labels: string[]) => ({ name, labels });

  it('is the same for every cluster when the objects do not depend on the cluster', () => {
    const s = spec();
    assert.equal(renderFactsKey(s, c('a', ['edge'])), renderFactsKey(s, c('b', [])));
  });

  it('follows only the labels the overrides name, and the name when the spec uses it', () => {
    const s = spec({
      overrides: [
        { clusterLabel: 'big', replicas: 3 },
        { clusterLabel: 'eu', tag: '2' },
      ],
    });
    assert.equal(
      renderFactsKey(s, c('a', ['big'])),
      renderFactsKey(s, c('b', ['big', 'other'])),
      'an unrelated label changes nothing',
    );
    assert.notEqual(
      renderFactsKey(s, c('a', ['big'])),
      renderFactsKey(s, c('a', ['big', 'eu'])),
      'a label an override names does',
    );
    assert.notEqual(renderFactsKey(s, c('a', [])), renderFactsKey(s, c('a', ['big'])));
    const named = spec({ env: { SITE: '${CLUSTER_NAME}' } });
    assert.notEqual(renderFactsKey(named, c('a', [])), renderFactsKey(named, c('b', [])));
    const inArgs = spec({ args: ['--site=${CLUSTER_NAME}'] });
    assert.notEqual(renderFactsKey(inArgs, c('a', [])), renderFactsKey(inArgs, c('b', [])));
  });

  it("takes the name when only an override's env uses it, and 'all' overrides apply everywhere", () => {
    const s = spec({ overrides: [{ clusterLabel: 'all', env: { SITE: '${CLUSTER_NAME}' } }] });
    assert.notEqual(renderFactsKey(s, c('a', [])), renderFactsKey(s, c('b', [])));
    assert.equal(renderFactsKey(spec({ overrides: [{ clusterLabel: 'all', replicas: 2 }] }), c('a', [])), '1');
  });

  it('gives equal keys only to clusters the renderer gives equal objects', () => {
    const s = spec({
      ports: [],
      command: [],
      volumes: [],
      replicas: 1,
      kind: 'Deployment',
      clusterLabel: 'all',
      env: { A: 'x-${CLUSTER_NAME}' },
      overrides: [
        { clusterLabel: 'big', replicas: 3, env: { B: '${CLUSTER_NAME}' } },
        { clusterLabel: 'eu', tag: '2' },
      ],
    });
    const clusters = [
      c('a', []),
      c('a', ['big']),
      c('a', ['eu', 'x']),
      c('b', ['big', 'eu']),
      c('a', ['big', 'eu']),
      c('a', ['x']),
    ];
    const render = (cl: { name: string; labels: string[] }) =>
      JSON.stringify(
        buildObjects({
          appId: 1,
          businessId: 1,
          appName: 'web',
          revision: 1,
          spec: s,
          replicas: 1,
          registryDomain: undefined,
          enableIngress: false,
          cluster: cl,
        }),
      );
    for (const x of clusters) {
      for (const y of clusters) {
        const sameKey = renderFactsKey(s, x) === renderFactsKey(s, y);
        assert.equal(sameKey, render(x) === render(y), `${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
      }
    }
  });
});
