import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Report, type StateInput, clusterState, summarize } from '../../src/apps/cluster-state.js';

const report = (over: Partial<Report> = {}): Report => ({
  revision: 2,
  generation: 3,
  observedGeneration: 3,
  desiredReplicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  message: '',
  ...over,
});
const input = (over: Partial<StateInput> = {}): StateInput => ({
  removed: false,
  clusterReady: true,
  paused: false,
  assigned: 2,
  assignedTime: 1000,
  report: report(),
  kind: 'Deployment',
  replicas: 2,
  progressDeadlineSeconds: 600,
  now: 1100,
  ...over,
});

describe('per-cluster application state', () => {
  it('is available when the current generation of the assigned revision has every replica updated and available', () => {
    assert.equal(clusterState(input()).state, 'available');
  });
  it('is not available for a stale generation, another revision or missing replicas', () => {
    assert.equal(clusterState(input({ report: report({ observedGeneration: 2 }) })).state, 'progressing');
    assert.equal(clusterState(input({ report: report({ revision: 1 }) })).state, 'pending');
    assert.equal(clusterState(input({ report: report({ availableReplicas: 1 }) })).state, 'progressing');
    assert.equal(clusterState(input({ report: report({ updatedReplicas: 1 }) })).state, 'progressing');
    assert.equal(clusterState(input({ replicas: 3 })).state, 'progressing', 'the workload still shows the old scale');
    assert.equal(clusterState(input({ report: null })).state, 'pending');
  });
  it('ignores the replica count of a DaemonSet (one pod per selected node)', () => {
    assert.equal(
      clusterState(
        input({
          kind: 'DaemonSet',
          replicas: 1,
          report: report({ desiredReplicas: 5, updatedReplicas: 5, availableReplicas: 5 }),
        }),
      ).state,
      'available',
    );
  });
  it('turns degraded past the progress deadline, with the reason', () => {
    const s = clusterState(input({ now: 1601, report: report({ availableReplicas: 0, message: 'ImagePullBackOff' }) }));
    assert.equal(s.state, 'degraded');
    assert.match(s.message, /0\/2 available.*ImagePullBackOff/);
    assert.equal(clusterState(input({ now: 1600, report: report({ availableReplicas: 0 }) })).state, 'progressing');
    assert.equal(clusterState(input({ now: 1601, report: null })).state, 'degraded');
  });
  it('says unreachable for a cluster that is not ready and removed after deleteDeploy', () => {
    assert.equal(clusterState(input({ clusterReady: false })).state, 'unreachable');
    assert.equal(clusterState(input({ removed: true, clusterReady: false })).state, 'removed');
  });
  it('waits for the batch and for a paused cluster to resume', () => {
    assert.equal(clusterState(input({ assigned: null })).state, 'pending');
    const paused = clusterState(input({ paused: true, now: 5000, report: report({ revision: 1 }) }));
    assert.equal(paused.state, 'pending');
    assert.match(paused.message, /paused/);
    assert.equal(clusterState(input({ paused: true })).state, 'available', 'a paused cluster that already runs it counts');
  });
  it('counts removed clusters out of the targets', () => {
    assert.deepEqual(summarize([{ state: 'available' }, { state: 'removed' }, { state: 'degraded' }]), {
      ready: 1,
      target: 2,
      offline: 0,
    });
  });
  it('an offline-flagged cluster that is not ready is offline, counted apart; ready again, it is judged as usual', () => {
    const off = clusterState(input({ clusterReady: false, offline: { revision: 3 } }));
    assert.equal(off.state, 'offline');
    assert.match(off.message, /gets revision 3 when it returns/);
    assert.equal(clusterState(input({ clusterReady: false })).state, 'unreachable');
    assert.equal(clusterState(input({ clusterReady: true, offline: { revision: 3 } })).state, 'available');
    assert.deepEqual(summarize([{ state: 'available' }, { state: 'offline' }]), { ready: 1, target: 2, offline: 1 });
  });
});
